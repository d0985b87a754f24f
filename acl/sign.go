// Package acl is RocketMQ 4.9.7's ACL 1.0 (plain access) on both sides: Credentials sign a
// request as Java's AclClientRPCHook does (AccessKey, optional SecurityToken, and a Signature
// over the request's fields and body), and a Validator built from a plain_acl.yml Config checks
// requests as the broker's PlainAccessValidator does, with the same words. A Store is one
// broker's live config as 4.9.7's ACL admin codes (50 to 54) change it.
//
// The client signs through remoting.WithRequestHook (client.WithCredentials); the fake broker
// checks through its interceptor (fakebroker.WithACL). A 4.9.7 name server checks nothing.
package acl

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/remoting"
)

// The extFields the ACL adds to a request (Java's SessionCredentials constants).
const (
	FieldAccessKey     = "AccessKey"
	FieldSignature     = "Signature"
	FieldSecurityToken = "SecurityToken"
)

// uniqueKeyQueryFlag is MixAll.UNIQUE_MSG_QUERY_FLAG: a 4.9.7 broker leaves it out of the content
// it checks while Java's client signs it, so a signed unique-key query never passes there.
const uniqueKeyQueryFlag = "_UNIQUE_KEY_QUERY"

// Credentials are an account's keys, as Java's SessionCredentials. SecurityToken is sent when
// not empty (Java: when not null); 4.9.7 brokers read it and check nothing about it.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
}

// Sign adds the account's fields and the signature to req, as AclClientRPCHook.doBeforeRequest
// does: AccessKey (and SecurityToken) first, so that they are signed too; then Signature over
// every other field and the body. Signing again (a retried request) gives the same fields.
func (c Credentials) Sign(req *remoting.Command) {
	req.SetExt(FieldAccessKey, c.AccessKey)
	if c.SecurityToken != "" {
		req.SetExt(FieldSecurityToken, c.SecurityToken)
	}
	req.SetExt(FieldSignature, Signature(Content(req.ExtFields, req.Body, FieldSignature), c.SecretKey))
}

// Content is AclUtils.combineRequestContent: the values of ext (but those of the skipped keys)
// in the order of their keys as Java's TreeMap sorts strings (UTF-16 code units), then the body.
func Content(ext map[string]string, body []byte, skip ...string) []byte {
	keys := make([]string, 0, len(ext))
	size := len(body)
	for k, v := range ext {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
			size += len(v)
		}
	}
	slices.SortFunc(keys, javamap.Compare)
	out := make([]byte, 0, size)
	for _, k := range keys {
		out = append(out, ext[k]...)
	}
	return append(out, body...)
}

// Signature is AclSigner.calSignature: HmacSHA1 of content keyed by the secret's UTF-8 bytes,
// in standard base64.
func Signature(content []byte, secretKey string) string {
	mac := hmac.New(sha1.New, []byte(secretKey))
	mac.Write(content)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
