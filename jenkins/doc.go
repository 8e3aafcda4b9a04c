// Package jenkins is berth's only way of talking to a Jenkins controller, and the place
// where a queue snapshot becomes demand for agents.
//
// # Client
//
// Client wraps the few calls berth makes: the queue and the node list (one request each
// per poll, with tree= filters, whatever the number of nodes), one node, node creation
// (SSH or inbound launcher, RetentionStrategy$Always, NORMAL or EXCLUSIVE mode, a pinned
// SSH host key), the inbound secret, temporarily offline/online (idempotent, although
// Jenkins only offers a toggle), deletion, and whoAmI for `berth check`.
//
// It authenticates with a user and API token (no crumb needed), or with a password, in
// which case every POST carries a crumb bound to the session cookie. Every request sends
// Accept-Language: en, since why texts are localized, and every call has a deadline.
//
// Every call checks the HTTP status. Errors are *Error values naming the call, the method
// and path and the status, and carry one class tested with errors.Is: ErrUnauthorized,
// ErrForbidden, ErrNotFound, ErrConflict, ErrInvalid, ErrUnavailable, ErrBadResponse.
// No error or log line contains the token, the password, a crumb or an inbound secret.
//
// The client does its own HTTP rather than using github.com/bndr/gojenkins; client.go
// says why, call by call.
//
// # Demand
//
// Jenkins' queue API has no label field: the label a buildable item waits for appears in
// its why text ("There are no nodes with the label ‘linux&&docker’"), which ParseWhy reads
// in all the forms Jenkins core produces, old and new. ItemWant decides what one item
// needs: a label expression (from why, else from the task's labelExpression), any node,
// a node by name, nothing, or unknown. ComputeDemand aggregates a snapshot by normalized
// expression, with a LabelMemory that keeps an item's expression once Jenkins starts
// naming a node instead of the label.
//
// When the controller has no agent node at all, Jenkins drops the label from every why
// text. Freestyle and matrix jobs still export labelExpression; pipeline node() blocks do
// not, and such items are returned as unknown (ReasonNoAgents) unless the memory knows
// their label. berth keeps a placeholder node so that this state is brief.
package jenkins
