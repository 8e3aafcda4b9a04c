package label

import "testing"

// BenchmarkMatches measures what the planner does most: evaluating a parsed label against an
// agent's or template's labels.
func BenchmarkMatches(b *testing.B) {
	e, err := Parse("linux && docker && !windows && (amd64 || arm64)")
	if err != nil {
		b.Fatal(err)
	}
	labels := NewSet("linux", "docker", "arm64", "jdk21", "large", "berth")
	b.ReportAllocs()
	for b.Loop() {
		if !e.Matches(labels) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("linux && docker && !windows && (amd64 || arm64)"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	e, err := Parse("linux && docker && !windows && (amd64 || arm64)")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}
