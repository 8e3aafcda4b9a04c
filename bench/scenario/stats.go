package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// summary describes a set of samples: their number, median, quartiles and
// extremes.
type summary struct {
	N                int
	Min, P25, Median float64
	P75, Max         float64
	unit             string
	scale            float64
}

// summarize summarizes durations, in seconds.
func summarize(ds []time.Duration) summary {
	xs := make([]float64, len(ds))
	for i, d := range ds {
		xs[i] = d.Seconds()
	}
	return summarizeFloats(xs, "s", 1)
}

// summarizeFloats summarizes xs; unit and scale say how to print them
// (x*scale, then unit).
func summarizeFloats(xs []float64, unit string, scale float64) summary {
	s := summary{N: len(xs), unit: unit, scale: scale}
	if len(xs) == 0 {
		nan := math.NaN()
		s.Min, s.P25, s.Median, s.P75, s.Max = nan, nan, nan, nan, nan
		return s
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	s.Min, s.Max = xs[0], xs[len(xs)-1]
	s.P25, s.Median, s.P75 = quantile(xs, 0.25), quantile(xs, 0.5), quantile(xs, 0.75)
	return s
}

// quantile is the q-quantile of sorted xs, linearly interpolated between
// the closest ranks (so the 0.5-quantile is the usual median).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

func (s summary) fmt(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	v := x * s.scale
	switch {
	case s.unit == "s":
		return fmt.Sprintf("%.3f", v)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// cells are the table cells: n, median, p25–p75, min–max.
func (s summary) cells() []string {
	return []string{
		fmt.Sprint(s.N),
		s.fmt(s.Median),
		s.fmt(s.P25) + "–" + s.fmt(s.P75),
		s.fmt(s.Min) + "–" + s.fmt(s.Max),
	}
}
