package client

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Java appends one of two FAQ hints to every client error text; tests and users that match
// Java's texts see the same words here.
const (
	faqURL          = "http://rocketmq.apache.org/docs/faq/"
	faqTipBegin     = "\nSee "
	faqMoreInfo     = "\nFor more information, please visit the url, " + faqURL
	faqFurtherHints = faqTipBegin + faqURL + " for further details."
)

// withFAQ is Java's FAQUrl.attachDefaultURL: a text without a "See" hint gets the default one.
func withFAQ(msg string) string {
	if strings.Contains(msg, faqTipBegin) {
		return msg
	}
	return msg + faqMoreInfo
}

// suggestFAQ is Java's FAQUrl.suggestTodo, the hint some messages carry inline.
func suggestFAQ(msg string) string { return msg + faqFurtherHints }

// Client error codes (Java: ClientErrorCode).
const (
	CodeConnectBroker      = 10001
	CodeAccessBrokerTime   = 10002
	CodeBrokerNotExist     = 10003
	CodeNoNameServer       = 10004
	CodeNotFoundTopic      = 10005
	CodeRequestTimeout     = 10006
	CodeCreateReplyMessage = 10007
)

// ClientError is Java's MQClientException: a failure on the client side (bad state, bad
// configuration, no route, every retry failed). Code is Java's responseCode: -1 for most,
// a ClientErrorCode, or the broker's response code when the last attempt got one.
type ClientError struct {
	Code int
	Msg  string // the text without the FAQ hint
	Err  error  // the cause, if any

	// codeForm is Java's MQClientException(int, String) constructor, whose text reads
	// "CODE: 13  DESC: ...".
	codeForm bool
}

func (e *ClientError) Error() string {
	if e.codeForm {
		return withFAQ("CODE: " + strconv.Itoa(e.Code) + "  DESC: " + e.Msg)
	}
	return withFAQ(e.Msg)
}

// validationError turns a protocol check into Java's MQClientException: the checks Java
// throws with a response code use the code form of the text.
func validationError(err error) error {
	var ve *protocol.ValidationError
	if errors.As(err, &ve) {
		return &ClientError{Code: ve.Code, Msg: ve.Msg, Err: err, codeForm: ve.Code != protocol.CodeClientCheck}
	}
	return clientError(-1, err.Error(), err)
}
func (e *ClientError) Unwrap() error { return e.Err }

func clientError(code int, msg string, cause error) *ClientError {
	return &ClientError{Code: code, Msg: msg, Err: cause}
}

// BrokerError is Java's MQBrokerException: the broker answered with a response code that is
// neither success nor a degraded store status.
type BrokerError struct {
	Code       int32
	Remark     string
	BrokerAddr string
}

func (e *BrokerError) Error() string {
	return withFAQ("CODE: " + strconv.Itoa(int(e.Code)) + "  DESC: " + e.Remark + " BROKER: " + e.BrokerAddr)
}

// Is lets errors.Is match a BrokerError against a response-code sentinel such as
// ErrTopicNotExist.
func (e *BrokerError) Is(target error) bool {
	var code responseCodeError
	return errors.As(target, &code) && int32(code) == e.Code
}

// responseCodeError makes response codes usable as errors.Is targets.
type responseCodeError int32

func (c responseCodeError) Error() string {
	if name := remoting.ResponseCodeName(int32(c)); name != "" {
		return name
	}
	return "response code " + strconv.Itoa(int(c))
}

// Sentinels for the broker answers callers most often branch on.
var (
	ErrSystemError         error = responseCodeError(remoting.SystemError)
	ErrSystemBusy          error = responseCodeError(remoting.SystemBusy)
	ErrMessageIllegal      error = responseCodeError(remoting.MessageIllegal)
	ErrServiceNotAvailable error = responseCodeError(remoting.ServiceNotAvailable)
	ErrNoPermission        error = responseCodeError(remoting.NoPermission)
	ErrTopicNotExist       error = responseCodeError(remoting.TopicNotExist)
)

// RemotingError is Java's RemotingException family: the request to Addr could not be sent
// (RemotingConnectException, RemotingSendRequestException) or got no answer in time
// (RemotingTimeoutException). Err is the transport's error, so errors.Is works with
// remoting.ErrTimeout, remoting.ErrConnectionClosed and context.DeadlineExceeded.
type RemotingError struct {
	Addr string
	Err  error
}

func (e *RemotingError) Error() string {
	var ce *remoting.ConnectError
	switch {
	case errors.As(e.Err, &ce):
		return "connect to " + e.Addr + " failed"
	case errors.Is(e.Err, remoting.ErrTimeout):
		return "wait response on the channel <" + e.Addr + "> timeout"
	default:
		return "send request to <" + e.Addr + "> failed: " + e.Err.Error()
	}
}

func (e *RemotingError) Unwrap() error { return e.Err }

// Timeout reports a request that got no answer in time.
func (e *RemotingError) Timeout() bool { return errors.Is(e.Err, remoting.ErrTimeout) }

// TooMuchRequestError is Java's RemotingTooMuchRequestException as the producer throws it when
// a send's time budget is spent before the next attempt could start ("sendDefaultImpl call
// timeout", "DEFAULT ASYNC send call timeout"). It matches context.DeadlineExceeded; Err is
// the last attempt's error, which Java drops and we keep for diagnosis.
type TooMuchRequestError struct {
	Msg string
	Err error
}

func (e *TooMuchRequestError) Error() string { return e.Msg }

func (e *TooMuchRequestError) Unwrap() []error {
	if e.Err == nil {
		return []error{context.DeadlineExceeded}
	}
	return []error{context.DeadlineExceeded, e.Err}
}

// ErrNotRunning matches (errors.Is) every error of a call made on a producer or consumer that is
// not RUNNING, and of a Start that is not allowed in its state.
var ErrNotRunning = errors.New("client: not running")

// StateError is the error of a call the producer's state does not allow, with Java's text.
type StateError struct {
	State State
	Msg   string
}

func (e *StateError) Error() string        { return withFAQ(e.Msg) }
func (e *StateError) Is(target error) bool { return target == ErrNotRunning }

// ErrGroupExists matches the error of a Start whose producer or consumer group is already
// registered in the client instance.
var ErrGroupExists = errors.New("client: group already registered")

func duplicateGroupError(group string) *ClientError {
	return clientError(-1, suggestFAQ("The producer group["+group+"] has been created before, specify another name please."), ErrGroupExists)
}

// duplicateConsumerGroupError is the consumer's: Java's registerConsumer failing in start.
func duplicateConsumerGroupError(group string) *ClientError {
	return clientError(-1, suggestFAQ("The consumer group["+group+"] has been created before, specify another name please."), ErrGroupExists)
}

// transportError wraps an error of the remoting layer in Java's exception shape.
func transportError(addr string, err error) error {
	var re *RemotingError
	if err == nil || errors.As(err, &re) {
		return err
	}
	return &RemotingError{Addr: addr, Err: err}
}

// responseCodeOf is the responseCode Java gives "Send [N] times, still failed": the broker's
// code, or a ClientErrorCode for the kind of client-side failure.
func responseCodeOf(err error) int {
	var be *BrokerError
	var ce *ClientError
	var conn *remoting.ConnectError
	switch {
	case errors.As(err, &be):
		return int(be.Code)
	case errors.As(err, &conn):
		return CodeConnectBroker
	case errors.Is(err, remoting.ErrTimeout):
		return CodeAccessBrokerTime
	case errors.As(err, &ce):
		return CodeBrokerNotExist
	}
	return -1
}

// RequestTimeoutError is Java's RequestTimeoutException: a request whose reply did not come in
// time. Code is CodeRequestTimeout. It matches context.DeadlineExceeded.
type RequestTimeoutError struct {
	Code int
	Msg  string
}

// Error has Java's text, which carries no FAQ hint.
func (e *RequestTimeoutError) Error() string {
	return "CODE: " + strconv.Itoa(e.Code) + "  DESC: " + e.Msg
}

func (e *RequestTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// ErrNoTransactionListener matches the error of SendInTransaction on a producer made without
// WithTransactionListener (Java: "TransactionListener is null").
var ErrNoTransactionListener = errors.New("client: no transaction listener")

// javaText is an error whose text is Java's exception message, capitals and full stop
// included, so that callers matching Java's texts find them.
type javaText string

func (e javaText) Error() string { return string(e) }
