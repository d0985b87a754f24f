// Package protocol gives typed views of what travels inside a remoting.Command: headers, bodies,
// messages, and Java's validators.
package protocol
