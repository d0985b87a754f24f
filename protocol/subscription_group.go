package protocol

import (
	"slices"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// Subscription groups: a broker's per-consumer-group settings (Java's SubscriptionGroupConfig),
// the body of UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), and the table GET_ALL_SUBSCRIPTIONGROUP_CONFIG
// (201) answers with (SubscriptionGroupManager as fastjson writes it, which mqadmin reads as a
// SubscriptionGroupWrapper).

// Defaults of a 4.9.7 SubscriptionGroupConfig, which a broker gives a group it creates on first
// use and fastjson gives the fields a body leaves out.
const (
	DefaultRetryQueueNums               = 1
	DefaultRetryMaxTimes                = 16
	DefaultWhichBrokerWhenConsumeSlowly = 1
)

// SubscriptionGroupConfig is what a broker keeps about one consumer group.
type SubscriptionGroupConfig struct {
	GroupName string // "" is Java's null, left out of the JSON
	// ConsumeEnable false makes the broker refuse the group's pulls (NO_PERMISSION).
	ConsumeEnable        bool
	ConsumeFromMinEnable bool
	// ConsumeBroadcastEnable false makes the broker refuse pulls of a group whose heartbeats say
	// BROADCASTING.
	ConsumeBroadcastEnable bool
	// RetryQueueNums sizes %RETRY%group when the broker creates it; 0 or less makes a send-back
	// a no-op that answers SUCCESS.
	RetryQueueNums int32
	// RetryMaxTimes is how many times a message is given back before it goes to %DLQ%group,
	// unless the consumer's send-back names its own maximum.
	RetryMaxTimes int32
	// BrokerID and WhichBrokerWhenConsumeSlowly are the broker a pull answer suggests when the
	// broker reads from slaves (slaveReadEnable): normally, and when the consumer lags behind.
	BrokerID                     int64
	WhichBrokerWhenConsumeSlowly int64
	// NotifyConsumerIDsChangedEnable false keeps the broker from pushing
	// NOTIFY_CONSUMER_IDS_CHANGED when a heartbeat or unregister changes the group.
	NotifyConsumerIDsChangedEnable bool
}

// NewSubscriptionGroupConfig returns Java's new SubscriptionGroupConfig() named group.
func NewSubscriptionGroupConfig(group string) SubscriptionGroupConfig {
	return SubscriptionGroupConfig{
		GroupName: group, ConsumeEnable: true, ConsumeFromMinEnable: true, ConsumeBroadcastEnable: true,
		RetryQueueNums: DefaultRetryQueueNums, RetryMaxTimes: DefaultRetryMaxTimes, BrokerID: MasterID,
		WhichBrokerWhenConsumeSlowly: DefaultWhichBrokerWhenConsumeSlowly, NotifyConsumerIDsChangedEnable: true,
	}
}

// Encode writes the config as mqadmin updateSubGroup sends it (fastjson, alphabetical).
func (c *SubscriptionGroupConfig) Encode() []byte {
	w := &fjWriter{}
	w.subscriptionGroupConfig(c)
	return w.buf
}

func (w *fjWriter) subscriptionGroupConfig(c *SubscriptionGroupConfig) {
	w.raw(`{"brokerId":`)
	w.long(c.BrokerID)
	w.raw(`,"consumeBroadcastEnable":`)
	w.bool(c.ConsumeBroadcastEnable)
	w.raw(`,"consumeEnable":`)
	w.bool(c.ConsumeEnable)
	w.raw(`,"consumeFromMinEnable":`)
	w.bool(c.ConsumeFromMinEnable)
	if c.GroupName != "" {
		w.raw(`,"groupName":`)
		w.string(c.GroupName)
	}
	w.raw(`,"notifyConsumerIdsChangedEnable":`)
	w.bool(c.NotifyConsumerIDsChangedEnable)
	w.raw(`,"retryMaxTimes":`)
	w.int(int64(c.RetryMaxTimes))
	w.raw(`,"retryQueueNums":`)
	w.int(int64(c.RetryQueueNums))
	w.raw(`,"whichBrokerWhenConsumeSlowly":`)
	w.long(c.WhichBrokerWhenConsumeSlowly)
	w.byte('}')
}

// DecodeSubscriptionGroupConfig reads a config as a broker does: fields the body leaves out keep
// Java's defaults (NewSubscriptionGroupConfig), a body without groupName gives "".
func DecodeSubscriptionGroupConfig(data []byte) (*SubscriptionGroupConfig, error) {
	c := NewSubscriptionGroupConfig("")
	if err := fjDecode(data, "SubscriptionGroupConfig", func(r *fjReader) error {
		return r.subscriptionGroupConfig(&c)
	}); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r *fjReader) subscriptionGroupConfig(c *SubscriptionGroupConfig) error {
	return r.Object(func(key string) error {
		var err error
		switch key {
		case "groupName":
			c.GroupName, err = r.Str()
		case "consumeEnable":
			c.ConsumeEnable, err = r.Bool()
		case "consumeFromMinEnable":
			c.ConsumeFromMinEnable, err = r.Bool()
		case "consumeBroadcastEnable":
			c.ConsumeBroadcastEnable, err = r.Bool()
		case "retryQueueNums":
			c.RetryQueueNums, err = r.Int32()
		case "retryMaxTimes":
			c.RetryMaxTimes, err = r.Int32()
		case "brokerId":
			c.BrokerID, err = r.Int64()
		case "whichBrokerWhenConsumeSlowly":
			c.WhichBrokerWhenConsumeSlowly, err = r.Int64()
		case "notifyConsumerIdsChangedEnable":
			c.NotifyConsumerIDsChangedEnable, err = r.Bool()
		default:
			err = r.Skip()
		}
		return err
	})
}

// SubscriptionGroupWrapper is the answer to GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201): every
// group the broker holds (the ones it creates at start included) and the version of that
// table, which moves on every change.
type SubscriptionGroupWrapper struct {
	SubscriptionGroupTable map[string]SubscriptionGroupConfig
	DataVersion            DataVersion
}

// subscriptionGroupManagerCapacity is SubscriptionGroupManager's new ConcurrentHashMap(1024).
const subscriptionGroupManagerCapacity = 1024

// Encode writes the table as a 4.9.7 broker's SubscriptionGroupManager.encode does, the groups
// in the order of its ConcurrentHashMap.
func (wr *SubscriptionGroupWrapper) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"dataVersion":`)
	w.dataVersion(wr.DataVersion)
	w.raw(`,"subscriptionGroupTable":{`)
	for i, name := range SubscriptionGroupOrder(javaStringKeys(wr.SubscriptionGroupTable)) {
		w.mapKey(i, name)
		c := wr.SubscriptionGroupTable[name]
		w.subscriptionGroupConfig(&c)
	}
	w.raw(`}}`)
	return w.buf
}

// SubscriptionGroupOrder returns a copy of groups, put in that order, in the order a broker's
// subscription group table iterates them.
func SubscriptionGroupOrder(groups []string) []string {
	out := slices.Clone(groups)
	javamap.OrderInTable(out, javamap.ConcurrentHashMapTableSize(subscriptionGroupManagerCapacity, len(out)))
	return out
}

// DecodeSubscriptionGroupWrapper reads the answer to GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
func DecodeSubscriptionGroupWrapper(data []byte) (*SubscriptionGroupWrapper, error) {
	wr := &SubscriptionGroupWrapper{SubscriptionGroupTable: map[string]SubscriptionGroupConfig{}}
	err := fjDecode(data, "SubscriptionGroupWrapper", func(r *fjReader) error {
		return r.Object(func(key string) error {
			switch key {
			case "dataVersion":
				return r.dataVersion(&wr.DataVersion)
			case "subscriptionGroupTable":
				return r.Object(func(name string) error {
					c := NewSubscriptionGroupConfig("")
					err := r.subscriptionGroupConfig(&c)
					wr.SubscriptionGroupTable[name] = c
					return err
				})
			default:
				return r.Skip()
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return wr, nil
}
