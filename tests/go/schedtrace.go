// A Go program whose GODEBUG=schedtrace output tests/test_schedtrace.py compares
// gmp's against: a few goroutines parked on a channel while main sleeps.
package main

import "time"

func main() {
	c := make(chan int)
	for i := 0; i < 3; i++ {
		go func() { <-c }()
	}
	time.Sleep(250 * time.Millisecond)
}
