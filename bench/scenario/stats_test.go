package main

import (
	"math"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want summary
	}{
		{"one", []float64{2}, summary{N: 1, Min: 2, P25: 2, Median: 2, P75: 2, Max: 2}},
		{"odd, unsorted", []float64{5, 1, 3}, summary{N: 3, Min: 1, P25: 2, Median: 3, P75: 4, Max: 5}},
		{"even", []float64{4, 1, 2, 3}, summary{N: 4, Min: 1, P25: 1.75, Median: 2.5, P75: 3.25, Max: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeFloats(tt.in, "", 1)
			got.unit, got.scale = "", 0
			if got != tt.want {
				t.Errorf("summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	if s := summarize(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Errorf("summarize(nil) = %+v, want N 0 and a NaN median", s)
	}
	if s := summarize([]time.Duration{time.Second, 3 * time.Second}); s.Median != 2 {
		t.Errorf("median of 1s and 3s = %v s, want 2", s.Median)
	}
}

func TestParseCounts(t *testing.T) {
	if got, err := parseCounts("0, 10,100"); err != nil || len(got) != 3 || got[2] != 100 {
		t.Errorf("parseCounts(0, 10,100) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "x", "-1", "10,5"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("parseCounts(%q) succeeded", bad)
		}
	}
}

func TestRequestPath(t *testing.T) {
	for in, want := range map[string]string{
		"/computer/api/json":                   "/computer/api/json",
		"/computer/bench-1a2b3c/api/json":      "/computer/{name}/api/json",
		"/computer/bench-1a2b3c/toggleOffline": "/computer/{name}/toggleOffline",
		"/queue/api/json":                      "/queue/api/json",
	} {
		if got := requestPath(in); got != want {
			t.Errorf("requestPath(%q) = %q, want %q", in, got, want)
		}
	}
}
