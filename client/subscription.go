package client

import (
	"slices"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
)

// SubAll is the expression that subscribes to every tag (Java's SubscriptionData.SUB_ALL).
const SubAll = "*"

// buildSubscription is FilterAPI.buildSubscriptionData: "*", "" (and Java's null) subscribe to
// everything; otherwise the expression is tags separated by "||", each trimmed, with the Java
// hashCode of each as its code. The version is the time it was built, in milliseconds, as Java
// stamps it.
func buildSubscription(topic, expr string) protocol.SubscriptionData {
	sd := protocol.SubscriptionData{
		Topic: topic, SubString: expr, ExpressionType: protocol.ExpressionTypeTag,
		SubVersion: time.Now().UnixMilli(), TagsSet: []string{}, CodeSet: []int32{},
	}
	if expr == "" || expr == SubAll {
		sd.SubString = SubAll
		return sd
	}
	for _, tag := range strings.Split(expr, "||") {
		tag = strings.TrimSpace(tag)
		if tag == "" || slices.Contains(sd.TagsSet, tag) {
			continue
		}
		sd.TagsSet = append(sd.TagsSet, tag)
		if code := javamap.HashCode(tag); !slices.Contains(sd.CodeSet, code) {
			sd.CodeSet = append(sd.CodeSet, code)
		}
	}
	return sd
}

// tagMatches is the client's second filter (PullAPIWrapper.processPullResult): the broker
// filters by tag hash, so a message whose tag only shares a hash with a subscribed one is
// dropped here. A subscription without tags takes everything; with tags, a message without
// one is dropped.
func tagMatches(sd *protocol.SubscriptionData, msg *MessageExt) bool {
	if len(sd.TagsSet) == 0 || sd.ClassFilterMode {
		return true
	}
	tags, ok := msg.Properties[protocol.PropertyTags]
	return ok && slices.Contains(sd.TagsSet, tags)
}

// cloneSubscription copies sd so that a heartbeat or a running-info answer cannot see a later
// change of its version.
func cloneSubscription(sd *protocol.SubscriptionData) protocol.SubscriptionData {
	c := *sd
	c.TagsSet = slices.Clone(sd.TagsSet)
	c.CodeSet = slices.Clone(sd.CodeSet)
	return c
}
