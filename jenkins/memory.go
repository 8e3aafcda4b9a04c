package jenkins

import (
	"sync"

	"github.com/berth-dev/berth/jenkins/label"
)

// LabelMemory remembers, per queue item id, the label expression berth last learned for
// it (from a why text or the task's labelExpression). Once berth has started one agent
// for a label, Jenkins stops naming the label: the item's why names that node instead
// ("‘berth-linux-7f3a’ is offline"). The memory keeps the expression, so the item still
// counts as demand for it. ComputeDemand forgets items that left the queue.
//
// The zero value is ready to use; a nil *LabelMemory remembers nothing. It is safe for
// concurrent use.
type LabelMemory struct {
	mu    sync.Mutex
	exprs map[int64]label.Expr
}

// NewLabelMemory returns an empty memory.
func NewLabelMemory() *LabelMemory { return &LabelMemory{} }

// Remember records e for item id; a nil e is ignored.
func (m *LabelMemory) Remember(id int64, e label.Expr) {
	if m == nil || e == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.exprs == nil {
		m.exprs = make(map[int64]label.Expr)
	}
	m.exprs[id] = e
}

// Lookup returns what was remembered for item id.
func (m *LabelMemory) Lookup(id int64) (label.Expr, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.exprs[id]
	return e, ok
}

// Retain forgets every item whose id is not in ids (the items still queued).
func (m *LabelMemory) Retain(ids []int64) {
	if m == nil {
		return
	}
	keep := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		keep[id] = struct{}{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.exprs {
		if _, ok := keep[id]; !ok {
			delete(m.exprs, id)
		}
	}
}

// Len is the number of items remembered.
func (m *LabelMemory) Len() int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.exprs)
}
