package remoting

import "github.com/rocketsim/rocketsim/internal/fjson"

// Headers are read with fjson's strict dialect because remoting has always held them to
// standard JSON syntax (a raw control character in a string makes a malformed frame). Their
// values keep fastjson's leniency: fastjson-era peers send numbers or booleans where Java
// expects strings, nulls, and keys we do not know.

// readExtFields reads extFields, where null is no map at all and a null value is no entry.
func readExtFields(r *fjson.Reader, c *Command) error {
	if r.Literal("null") {
		return nil
	}
	// Sized at once from the colons before the first '}' (each member has one; values such as
	// addresses may add more): a send header's dozen fields would otherwise make the map grow
	// while read, and a small answer's handful should not get room for the top-level fields.
	c.ExtFields = make(map[string]string, min(r.CountAhead(':', '}'), 64))
	return r.Object(func(key string) error {
		v, ok, err := r.Scalar()
		if ok {
			c.ExtFields[key] = v
		}
		return err
	})
}
