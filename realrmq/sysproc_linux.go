package realrmq

import "syscall"

// sysProcAttr makes the kernel kill the JVMs when the process that started them dies (a test
// binary killed by `go test -timeout`, a Ctrl-C'd CLI), so no server outlives its owner.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
