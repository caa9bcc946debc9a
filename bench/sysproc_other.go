//go:build !linux

package main

import (
	"syscall"
	"time"
)

// serverAttr returns no special attributes: the harness needs Linux (/proc) to measure and
// refuses to run elsewhere; this file only keeps `go vet ./...` working on other systems.
func serverAttr() *syscall.SysProcAttr { return nil }

// selfCPU is not measured outside Linux.
func selfCPU() time.Duration { return 0 }
