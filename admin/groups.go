package admin

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// SubscriptionGroups asks a broker for GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201): every consumer
// group's config it holds (the seven a 4.9.7 broker starts with, those it created on first use,
// those updated), and the version of that table.
func SubscriptionGroups(ctx context.Context, cli *remoting.Client, addr string) (*protocol.SubscriptionGroupWrapper, error) {
	const op = "subscription groups"
	resp, err := invoke(ctx, cli, addr, op, remoting.NewRequest(remoting.CodeGetAllSubscriptionGroupConfig, nil, nil))
	if err != nil {
		return nil, err
	}
	wr, err := protocol.DecodeSubscriptionGroupWrapper(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return wr, nil
}

// UpdateSubscriptionGroup sends UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), as mqadmin
// updateSubGroup does: the config replaces the group's whole (fields left at Java's defaults by
// protocol.NewSubscriptionGroupConfig included).
func UpdateSubscriptionGroup(ctx context.Context, cli *remoting.Client, addr string, c protocol.SubscriptionGroupConfig) error {
	_, err := invoke(ctx, cli, addr, "update subscription group "+c.GroupName,
		remoting.NewRequest(remoting.CodeUpdateAndCreateSubscriptionGroup, nil, c.Encode()))
	return err
}

// DeleteSubscriptionGroup sends DELETE_SUBSCRIPTIONGROUP (207), as mqadmin deleteSubGroup does;
// with removeOffset the broker forgets the group's consumer offsets too. Deleting a group the
// broker does not hold is no error.
func DeleteSubscriptionGroup(ctx context.Context, cli *remoting.Client, addr, group string, removeOffset bool) error {
	_, err := invoke(ctx, cli, addr, "delete subscription group "+group, protocol.RequestWithHeader(remoting.CodeDeleteSubscriptionGroup,
		protocol.DeleteSubscriptionGroupRequestHeader{GroupName: group, RemoveOffset: removeOffset}, nil))
	return err
}
