package fakebroker

// answers.go holds what every request family answers with: Java's two ways of creating a
// response, and Java's texts for the header fields it fails on.

import (
	"errors"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// nullBodyRemark is Java 17's answer to a request whose JSON body is missing (checked against a
// real 4.9.7 broker with a heartbeat): RemotingSerializable.decode makes a String of the null.
const nullBodyRemark = `java.lang.NullPointerException: Cannot read the array length because "bytes" is null, java.base/java.lang.String.<init>(String.java:1387)`

// faqSuffix is Java's FAQUrl.suggestTodo(FAQUrl.APPLY_TOPIC_URL) (every FAQ url of 4.9.7 is the
// same page).
const faqSuffix = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

// answer returns a response without a custom header: Java's createResponseCommand(null), whose
// JSON has no extFields at all.
func answer(req *remoting.Command, code int32, remark string) *remoting.Command {
	return remoting.NewResponse(req, code, remark)
}

// answerWithHeader returns a response built from a response-header class, as Java's
// createResponseCommand(XResponseHeader.class): its extFields exist even when empty ({}).
func answerWithHeader(req *remoting.Command, code int32, remark string) *remoting.Command {
	resp := remoting.NewResponse(req, code, remark)
	resp.ExtFields = map[string]string{}
	return resp
}

// Java answers a processor that throws with SYSTEM_ERROR and the exception's text and first
// stack frame (RemotingHelper.exceptionSimpleDesc), without extFields. The texts below are Java
// 17's, checked against a real 4.9.7 broker where a frame is given.

const javaHeaderPackage = "org.apache.rocketmq.common.protocol.header."

// headerFailure is the answer to a header that failed to decode, or nil. Only the headers Java
// decodes by hand (FastCodesHeader: send v2, pull) throw on an unparsable number; the others
// log it and leave the field null, which the handler meets later (see need). A checkFields
// failure (FieldInvalid) always throws.
func headerFailure(req *remoting.Command, err error, fastCodes bool) *remoting.Command {
	if err == nil {
		return nil // before he exists: errors.As makes it escape, an allocation per request
	}
	var he *protocol.HeaderError
	if !errors.As(err, &he) {
		return nil
	}
	switch {
	case he.Kind == protocol.FieldMalformed && fastCodes:
		return answer(req, remoting.SystemError, numberFormatException(he.Value))
	case he.Kind == protocol.FieldInvalid:
		return answer(req, remoting.SystemError, "org.apache.rocketmq.remoting.exception.RemotingCommandException: "+he.Error())
	}
	return nil
}

// numberFormatException is the text of Integer.parseInt or Long.parseLong failing on s.
func numberFormatException(s string) string {
	return `java.lang.NumberFormatException: For input string: "` + s +
		`", java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)`
}

// need is a header field a handler cannot go on without: Java meets it as null and throws.
type need struct {
	field  string // the extField key
	boxed  string // "Integer" or "Long" for a number Java unboxes, "" for a map key
	remark string
}

// unboxed is a number Java unboxes: the helpful NullPointerException of Java 17 names the
// header class's getter; frame, when known, is the stack frame Java adds.
func unboxed(class, getterField, field, boxed, frame string) need {
	method := "intValue"
	if boxed == "Long" {
		method = "longValue"
	}
	r := `java.lang.NullPointerException: Cannot invoke "java.lang.` + boxed + "." + method +
		`()" because the return value of "` + javaHeaderPackage + class + ".get" + upperFirst(getterField) + `()" is null`
	if frame != "" {
		r += ", " + frame
	}
	return need{field: field, boxed: boxed, remark: r}
}

// keyed is a string Java uses as a key of a map that refuses null.
func keyed(field string) need {
	return need{field: field, remark: "java.lang.NullPointerException: the custom field <" + field + "> is null"}
}

// mapLookupKey is a string Java looks up in a ConcurrentHashMap, whose get throws on null
// (Java 17's text and frame, checked against a real 4.9.7 broker).
func mapLookupKey(field string) need {
	return need{field: field, remark: `java.lang.NullPointerException: Cannot invoke "Object.hashCode()" because "key" is null, ` +
		`java.base/java.util.concurrent.ConcurrentHashMap.get(ConcurrentHashMap.java:936)`}
}

// missing reports whether a needed field is absent, or (for a number) unparsable, which Java's
// reflective decoder also leaves null.
func (n need) missing(req *remoting.Command) bool {
	v, ok := req.Lookup(n.field)
	if !ok {
		return true
	}
	switch n.boxed {
	case "Integer":
		_, err := strconv.ParseInt(v, 10, 32)
		return err != nil
	case "Long":
		_, err := strconv.ParseInt(v, 10, 64)
		return err != nil
	}
	return false
}

// check answers the first missing field of needs, or returns nil.
func check(req *remoting.Command, needs ...need) *remoting.Command {
	for _, n := range needs {
		if n.missing(req) {
			return answer(req, remoting.SystemError, n.remark)
		}
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
