package jenkinssim

// The export model: what Stapler's org.kohsuke.stapler.export.Model builds from @Exported
// annotations, reduced to what the writer needs. A bean is an object with an ordered list of
// properties; each property has Stapler's visibility (default 1), may be inline (its value is
// written with the parent's pruner, as @Exported(inline=true) does) and is computed only when a
// pruner decides to write it, so that cyclic references (build -> executor -> build) cost
// nothing unless a tree or depth asks for them.

// visDefault is @Exported's default visibility.
const visDefault = 1

// bean is one exported object.
type bean struct {
	// class is the _class attribute, or "" when Stapler's ClassAttributeBehaviour.IF_NEEDED
	// would not write it (the actual class equals the declared type of the property).
	class string
	props []prop
}

// prop is one exported property.
type prop struct {
	name   string
	vis    int
	inline bool
	val    any        // the value, when known up front
	get    func() any // computes the value when written (nil: use val)
}

// value returns the property's value.
func (p *prop) value() any {
	if p.get != nil {
		return p.get()
	}
	return p.val
}

// omap is an ordered JSON object without a class (an exported java.util.Map).
type omap struct {
	keys []string
	vals map[string]any
}

func newBean(class string) *bean { return &bean{class: class, props: make([]prop, 0, 8)} }

// add appends a property with default visibility whose value is already known.
func (b *bean) add(name string, v any) *bean {
	return b.addVis(name, visDefault, v)
}

// addVis appends a property with the given visibility whose value is already known.
func (b *bean) addVis(name string, vis int, v any) *bean {
	b.props = append(b.props, prop{name: name, vis: vis, val: v})
	return b
}

// lazy appends a property whose value is computed only if it is written.
func (b *bean) lazy(name string, vis int, get func() any) *bean {
	b.props = append(b.props, prop{name: name, vis: vis, get: get})
	return b
}

// inline appends an inline property (written with the parent's pruner).
func (b *bean) inlined(name string, vis int, get func() any) *bean {
	b.props = append(b.props, prop{name: name, vis: vis, inline: true, get: get})
	return b
}

func (m *omap) set(k string, v any) {
	if m.vals == nil {
		m.vals = map[string]any{}
	}
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}
