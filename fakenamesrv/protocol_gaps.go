package fakenamesrv

// Stopgaps for what protocol/ does not have yet, built only from protocol's own decoders and
// encoders (no second decoder of extFields or bodies). Each should become one call once
// protocol/ has it:
//
//   - DeleteTopicFromNamesrvRequestHeader (216: topic, clusterName),
//   - GetKVListByNamespaceRequestHeader (219: namespace),
//   - the DataVersion body of QUERY_DATA_VERSION (322) and of its answer.

import (
	"bytes"
	"errors"

	"github.com/rocketsim/rocketsim/protocol"
)

// deleteTopicHeader is Java's DeleteTopicFromNamesrvRequestHeader.
type deleteTopicHeader struct {
	Topic       string // required
	ClusterName string
}

// decodeDeleteTopicHeader reads the two String fields with the decoders of headers that carry
// the same fields with the same Java types.
func decodeDeleteTopicHeader(ext map[string]string) deleteTopicHeader {
	route, _ := protocol.DecodeGetRouteInfoRequestHeader(ext)
	unreg, _ := protocol.DecodeUnRegisterBrokerRequestHeader(ext)
	return deleteTopicHeader{Topic: route.Topic, ClusterName: unreg.ClusterName}
}

// decodeKVListNamespace reads GetKVListByNamespaceRequestHeader's one field, namespace, with
// the decoder of another KV header that has it.
func decodeKVListNamespace(ext map[string]string) string {
	h, _ := protocol.DecodeGetKVConfigRequestHeader(ext)
	return h.Namespace
}

// decodeDataVersion reads a DataVersion body through the register-broker body decoder, which
// reads a DataVersion in its wrapper.
func decodeDataVersion(body []byte) (protocol.DataVersion, error) {
	wrapped := make([]byte, 0, len(body)+48)
	wrapped = append(wrapped, `{"topicConfigSerializeWrapper":{"dataVersion":`...)
	wrapped = append(wrapped, body...)
	wrapped = append(wrapped, `}}`...)
	b, err := protocol.DecodeRegisterBrokerBody(wrapped, false)
	if err != nil {
		return protocol.DataVersion{}, err
	}
	return b.TopicConfigSerializeWrapper.DataVersion, nil
}

// encodeDataVersion writes a DataVersion as fastjson does, cut out of the register-broker
// body encoder's output.
func encodeDataVersion(v protocol.DataVersion) []byte {
	const prefix, suffix = `"dataVersion":`, `,"topicConfigTable":`
	body, _ := (&protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{DataVersion: v}}).Encode(false)
	_, rest, ok := bytes.Cut(body, []byte(prefix))
	if !ok {
		panic(errors.New("fakenamesrv: register-broker body without a dataVersion"))
	}
	dv, _, ok := bytes.Cut(rest, []byte(suffix))
	if !ok {
		panic(errors.New("fakenamesrv: register-broker body without a topicConfigTable"))
	}
	return dv
}
