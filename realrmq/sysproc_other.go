//go:build !linux

package realrmq

import "syscall"

// sysProcAttr: only Linux can tie a child's life to its parent's; elsewhere Close must run.
func sysProcAttr() *syscall.SysProcAttr { return nil }
