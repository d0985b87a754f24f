// Package archtest holds the module's checks of its own shape, as tests: which of our packages
// may import which, and that every exported option is used somewhere. It has no code of its
// own and imports nothing of ours, so it keeps the rule it checks for internal/.
package archtest
