package admin

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// BrokerConfig asks a broker for GET_BROKER_CONFIG (26): every setting of its BrokerConfig,
// NettyServerConfig, NettyClientConfig and MessageStoreConfig, by name, as text, and the
// version of that configuration, which moves with every update.
func BrokerConfig(ctx context.Context, cli *remoting.Client, addr string) (map[string]string, protocol.DataVersion, error) {
	const op = "broker config"
	resp, err := invoke(ctx, cli, addr, op, remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil))
	if err != nil {
		return nil, protocol.DataVersion{}, err
	}
	h, err := protocol.DecodeGetBrokerConfigResponseHeader(resp.ExtFields)
	if err != nil {
		return nil, protocol.DataVersion{}, decodeErr(op, addr, err)
	}
	version, err := protocol.DecodeDataVersion([]byte(h.Version))
	if err != nil {
		return nil, protocol.DataVersion{}, decodeErr(op, addr, err)
	}
	config, err := protocol.DecodeJavaProperties(resp.Body)
	if err != nil {
		return nil, protocol.DataVersion{}, decodeErr(op, addr, err)
	}
	return config, version, nil
}

// UpdateBrokerConfig sends UPDATE_BROKER_CONFIG (25) with settings as properties text, as
// mqadmin updateBrokerConfig does. A 4.9.7 broker takes only names it has and values that parse
// for them, and tells nobody which it ignored. Given brokerPermission, it registers with its
// name servers before it answers, so routes show the new permission at once.
func UpdateBrokerConfig(ctx context.Context, cli *remoting.Client, addr string, settings map[string]string) error {
	_, err := invoke(ctx, cli, addr, "update broker config",
		remoting.NewRequest(remoting.CodeUpdateBrokerConfig, nil, protocol.EncodeJavaProperties(settings)))
	return err
}

// BrokerRuntimeInfo asks a broker for GET_BROKER_RUNTIME_INFO (28): its version, message counts,
// thread pool queues, store state, ... by name, as mqadmin brokerStatus prints them.
func BrokerRuntimeInfo(ctx context.Context, cli *remoting.Client, addr string) (map[string]string, error) {
	const op = "broker runtime info"
	resp, err := invoke(ctx, cli, addr, op, remoting.NewRequest(remoting.CodeGetBrokerRuntimeInfo, nil, nil))
	if err != nil {
		return nil, err
	}
	kv, err := protocol.DecodeKVTable(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return kv.Table, nil
}
