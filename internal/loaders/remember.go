package loaders

// Remember computes a fact about the operation once (such as what a field's selection asks
// for) and returns the remembered answer afterwards.
func (l *Loaders) Remember(key any, compute func() bool) bool {
	l.memoMu.Lock()
	defer l.memoMu.Unlock()
	if v, ok := l.memo[key]; ok {
		return v
	}
	if l.memo == nil {
		l.memo = map[any]bool{}
	}
	v := compute()
	l.memo[key] = v
	return v
}
