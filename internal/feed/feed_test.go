package feed

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Every watcher gets every value in order until it stops, and may stop itself while called.
func TestFeed(t *testing.T) {
	var f Feed[int]
	f.Publish(0) // nobody watches: nothing to do
	var a, b []int
	stopA := f.Watch(func(v int) { a = append(a, v) })
	var stopB func()
	stopB = f.Watch(func(v int) {
		b = append(b, v)
		if v == 2 {
			stopB()
		}
	})
	f.Publish(1, 2)
	f.Publish(3)
	stopA()
	f.Publish(4)
	require.Equal(t, []int{1, 2, 3}, a)
	require.Equal(t, []int{1, 2}, b)
}
