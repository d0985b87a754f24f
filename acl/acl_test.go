package acl_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
)

// signingCase is one entry of testdata/signing.json, written by testdata/gen/AclVectors.java
// from Java 4.9.7's AclClientRPCHook.
type signingCase struct {
	Name          string            `json:"name"`
	Code          int32             `json:"code"`
	Ext           map[string]string `json:"ext"`
	Body          []byte            `json:"body"`
	AccessKey     string            `json:"accessKey"`
	SecretKey     string            `json:"secretKey"`
	SecurityToken string            `json:"securityToken"`
	SignedExt     map[string]string `json:"signedExt"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

func TestSignMatchesJava(t *testing.T) {
	var cases []signingCase
	readJSON(t, "signing.json", &cases)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ext := map[string]string{}
			for k, v := range c.Ext {
				ext[k] = v
			}
			req := remoting.NewRequest(c.Code, ext, c.Body)
			creds := acl.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey, SecurityToken: c.SecurityToken}
			creds.Sign(req)
			require.Empty(t, cmp.Diff(c.SignedExt, req.ExtFields))

			creds.Sign(req) // a retry signs the same request again
			require.Empty(t, cmp.Diff(c.SignedExt, req.ExtFields), "signing twice")
		})
	}
}

// A request whose header is a field list (protocol's RequestWithFields) is signed as the same
// fields in a map.
func TestSignFieldList(t *testing.T) {
	creds := acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}
	listed := &remoting.Command{Code: 105, Fields: []remoting.Field{{Key: "topic", Value: "TopicTest"}}}
	mapped := remoting.NewRequest(105, map[string]string{"topic": "TopicTest"}, nil)
	creds.Sign(listed)
	creds.Sign(mapped)
	require.Equal(t, mapped.Ext(acl.FieldSignature), listed.Ext(acl.FieldSignature))
	require.NotEmpty(t, listed.Ext(acl.FieldSignature))
}

func TestContentAndSignature(t *testing.T) {
	ext := map[string]string{"b": "2", "a": "1", "Signature": "x"}
	require.Equal(t, "12body", string(acl.Content(ext, []byte("body"), acl.FieldSignature)))
	require.Equal(t, "x12", string(acl.Content(ext, nil)))
	// RFC 2202 test case 2 of HMAC-SHA1, in base64.
	want, _ := base64.StdEncoding.DecodeString(acl.Signature([]byte("what do ya want for nothing?"), "Jefe"))
	require.Equal(t, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", strings.ToLower(hexOf(want)))
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// validateCase is one entry of testdata/validate.json: a request (signed by Java's hook, or
// not) and what Java 4.9.7's PlainAccessValidator, loaded with testdata/validate_acl.yml, said.
type validateCase struct {
	Name   string            `json:"name"`
	Remote string            `json:"remote"`
	Code   int32             `json:"code"`
	Ext    map[string]string `json:"ext"`
	Body   []byte            `json:"body"`
	Remark string            `json:"remark"`
}

func TestValidatorMatchesJava(t *testing.T) {
	cfg, err := acl.LoadConfig(filepath.Join("testdata", "validate_acl.yml"))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	var cases []validateCase
	readJSON(t, "validate.json", &cases)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			err := v.Check(remoting.NewRequest(c.Code, c.Ext, c.Body), c.Remote)
			if c.Remark == "" {
				require.NoError(t, err)
				return
			}
			var denied *acl.Denied
			require.ErrorAs(t, err, &denied)
			require.Equal(t, c.Remark, denied.Remark())
		})
	}
}
