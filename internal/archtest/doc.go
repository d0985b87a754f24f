// Package archtest holds the module's layering checks, as tests: which of our packages may
// import which. It has no code of its own and imports nothing of ours, so it keeps the rule
// it checks for internal/.
package archtest
