package main

import (
	"syscall"
	"time"
)

// serverAttr makes a server die with the harness: the kernel sends it SIGTERM when the harness
// exits, even when the harness is killed.
func serverAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// selfCPU returns the CPU time the harness itself has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
