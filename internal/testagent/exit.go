package testagent

import "errors"

// Exit statuses of berth-testagent (see the package documentation).
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitNoSuchAgent = 255
)

// ExitError carries the exit status a failure should end the program with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the exit status for err: ExitOK for nil, the code of an ExitError in
// its chain, and ExitFailure for any other error.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailure
}

func usageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }
