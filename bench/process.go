package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverGOMAXPROCS is the GOMAXPROCS of the gateway and of the floor: both may use the
// machine's two cores, as they would in production; see corePolicy.
const serverGOMAXPROCS = 2

// loadGOMAXPROCS is the load generator's GOMAXPROCS while it measures.
const loadGOMAXPROCS = 1

// corePolicy describes how the benchmark shares the machine's cores.
func corePolicy() string {
	return fmt.Sprintf("No pinning: the gateway and the floor each run with GOMAXPROCS=%d (they never run load at the same time: "+
		"steps alternate and the idle one is only waiting), the load generator runs with GOMAXPROCS=%d, and PostgreSQL "+
		"is left to the kernel scheduler. All of them share the same cores, so the gateway's and the floor's numbers "+
		"include the same competition from the load generator and PostgreSQL.", serverGOMAXPROCS, loadGOMAXPROCS)
}

// moduleRoot returns the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root (go env GOMOD): %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find the module root: run the benchmark inside the tailor module")
	}
	return filepath.Dir(gomod), nil
}

// buildGateway compiles cmd/tailor into dir and returns the binary's path.
func buildGateway(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "tailor")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tailor")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/tailor: %w\n%s", err, out)
	}
	return bin, nil
}

// freeAddr returns a loopback address with a port nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// process is a server the benchmark started: the gateway or the floor.
type process struct {
	Name string
	// BaseURL is http://host:port of the server's main listener.
	BaseURL string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// startProcess runs bin with args and env, writing its output to logPath.
func startProcess(name, bin string, args, env []string, logPath, addr string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = serverAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{Name: name, BaseURL: "http://" + addr, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process ID.
func (p *process) Pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, with its error.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// waitReady polls /readyz until it answers 200, the process ends or timeout passes.
func (p *process) waitReady(ctx context.Context, client *http.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited before it was ready (%v); its log ends with:\n%s", p.Name, err, p.logTail(20))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		if res, err := client.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s was not ready within %s; its log ends with:\n%s", p.Name, timeout, p.logTail(20))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the process to shut down and waits for it, killing it after a grace period.
func (p *process) stop() error {
	if done, _ := p.exited(); done {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within 20s of SIGTERM and was killed", p.Name)
	}
}

// logTail returns the last n lines of the process's output.
func (p *process) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// childEnv returns the harness's environment without the settings that would change how a
// server behaves, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TAILOR_") || name == "DATABASE_URL" ||
			name == "GOMAXPROCS" || name == "GOGC" || name == "GOMEMLIMIT" || name == "GODEBUG" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// clockTick is the kernel's USER_HZ: /proc reports CPU time in these ticks.
const clockTick = 100

// readProcCPU returns the CPU time pid has used.
func readProcCPU(pid int) (time.Duration, error) {
	return readProcCPUOf(pid, false)
}

// readProcCPUOf returns the CPU time pid has used and, with children, the time of its
// children that have exited and been waited for.
func readProcCPUOf(pid int, children bool) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it are fixed.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// Fields 14 to 17 of proc(5): utime, stime, cutime, cstime.
	last := 12
	if children {
		last = 14
	}
	var ticks int64
	for i := 11; i <= last; i++ {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick, nil
}

// resetPeakRSS resets pid's VmHWM to its current RSS. It reports false when the kernel does
// not allow it, in which case VmHWM is the peak since the process started.
func resetPeakRSS(pid int) bool {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil
}

// readPeakRSS returns pid's VmHWM in bytes.
func readPeakRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmHWM: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
}

// postgresCPU returns the CPU time used so far by each process named postgres on the machine:
// the server's backends, including the ones serving the benchmark. Short-lived processes such
// as parallel query workers count through the postmaster, their parent, once they exit.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if cpu, err := readProcCPUOf(pid, true); err == nil {
			out[pid] = cpu
		}
	}
	return out
}

// cpuSince returns the CPU time the processes of after used since before. A process that
// started in between counts in full. A process of before that exited in between was reaped by
// the postmaster, whose children's time (counted in after) then grew by the whole life of the
// process: the part before already counted is taken back out, so long-lived backends that close
// during a step (other databases' sessions, pools trimming idle connections) count only their
// time within the step.
func cpuSince(before, after map[int]time.Duration) time.Duration {
	var total time.Duration
	for pid, a := range after {
		if d := a - before[pid]; d > 0 {
			total += d
		}
	}
	for pid, b := range before {
		if _, alive := after[pid]; !alive {
			total -= b
		}
	}
	return max(total, 0)
}

// machineCPU returns the busy CPU time of the whole machine so far, from /proc/stat: user,
// nice, system, irq and softirq time of every CPU (not idle, iowait, or time stolen by a
// hypervisor).
func machineCPU() time.Duration {
	f := strings.Fields(procField("/proc/stat", "cpu", " "))
	var total int64
	for _, i := range []int{0, 1, 2, 5, 6} {
		if i >= len(f) {
			return 0
		}
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0
		}
		total += n
	}
	return time.Duration(total) * time.Second / clockTick
}

// scrapeMallocs reads go_memstats_mallocs_total from the Prometheus text at url.
func scrapeMallocs(ctx context.Context, client *http.Client, url string) (float64, error) {
	return scrapeMetric(ctx, client, url, "go_memstats_mallocs_total")
}

// scrapeMetric reads the value of the unlabelled metric name from the Prometheus text at url.
func scrapeMetric(ctx context.Context, client *http.Client, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape %s: status %d", url, res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("scrape %s: %s: %w", url, name, err)
			}
			return n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("scrape %s: %w", url, err)
	}
	return 0, fmt.Errorf("scrape %s: no %s", url, name)
}
