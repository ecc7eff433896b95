// Go's W4a and W4b (shared/anchors/WORKLOADS.md), for bench.typed: prints
// {"w4a": ns per send+recv pair, "w4b": ns per item} at the GOMAXPROCS of
// the environment.
package main

import (
	"encoding/json"
	"os"
	"strconv"
	"time"
)

func w4a(n int64) float64 {
	c := make(chan int64, 1024)
	var acc int64
	t := time.Now()
	for i := int64(0); i < n; i++ {
		c <- i
		acc += <-c
	}
	d := time.Since(t)
	if acc != n*(n-1)/2 {
		panic("W4a: wrong sum")
	}
	return float64(d.Nanoseconds()) / float64(n)
}

func w4b(n int64) float64 {
	c := make(chan int64, 128)
	t := time.Now()
	go func() {
		for i := int64(0); i < n; i++ {
			c <- i
		}
		close(c)
	}()
	var acc int64
	for v := range c {
		acc += v
	}
	d := time.Since(t)
	if acc != n*(n-1)/2 {
		panic("W4b: wrong sum")
	}
	return float64(d.Nanoseconds()) / float64(n)
}

func main() {
	n, _ := strconv.ParseInt(os.Args[1], 10, 64)
	best := map[string]float64{"w4a": 1e18, "w4b": 1e18}
	for r := 0; r < 5; r++ {
		if v := w4a(n); v < best["w4a"] {
			best["w4a"] = v
		}
		if v := w4b(n); v < best["w4b"] {
			best["w4b"] = v
		}
	}
	json.NewEncoder(os.Stdout).Encode(best)
}
