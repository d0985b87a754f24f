package fakenamesrv

// The name server's own configuration, what mqadmin getNamesrvConfig and updateNamesrvConfig
// read and change:
//
//	318 UPDATE_NAMESRV_CONFIG  body: properties text (key=value lines)
//	319 GET_NAMESRV_CONFIG     no header; answer body: properties text
//
// Java (DefaultRequestProcessor.updateConfig and getConfig, and the Configuration they call, at
// rocketmq-all-4.9.7):
//
//   - The configuration is every field of NamesrvConfig and NettyServerConfig by name, as text;
//     a null field (rocketmqHome without ROCKETMQ_HOME) is not listed.
//   - 319 answers code 0 with that text as the body, no remark and no extFields.
//   - 318 without a body answers code 0 and changes nothing. A body Properties.load refuses is
//     1 SYSTEM_ERROR "string2Properties error"; a body naming kvConfigPath or configStorePath is
//     16 NO_PERMISSION "Can not update config path" and nothing changes. Otherwise each key goes
//     to the setter of its name (MixAll.properties2Object): an int that does not parse is
//     dropped, a boolean is true for "true" in any case, an unknown key is ignored; the answer
//     is code 0 without remark.
//   - Of what an update changes, only orderMessageEnable is read at run time (by every route
//     answer); the rest is stored and listed, as on a real name server, which reads it at start.
//     Java also writes the configuration into configStorePath; the fake keeps it in memory.

import (
	"context"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// namesrvSetting is one field of NamesrvConfig or NettyServerConfig: its Java type ("int",
// "long", "boolean" or "String") and 4.9.7's default.
type namesrvSetting struct {
	name, kind, value string
}

// namesrvSettings are the fields whose default does not depend on the machine or on the fake's
// own options (listenPort, rocketmqHome, kvConfigPath, configStorePath, orderMessageEnable).
var namesrvSettings = []namesrvSetting{
	{"productEnvName", "String", "center"},
	{"clusterTest", "boolean", "false"},
	{"serverWorkerThreads", "int", "8"},
	{"serverCallbackExecutorThreads", "int", "0"},
	{"serverSelectorThreads", "int", "3"},
	{"serverOnewaySemaphoreValue", "int", "256"},
	{"serverAsyncSemaphoreValue", "int", "64"},
	{"serverChannelMaxIdleTimeSeconds", "int", "120"},
	{"serverSocketSndBufSize", "int", "0"},
	{"serverSocketRcvBufSize", "int", "0"},
	{"writeBufferHighWaterMark", "int", "0"},
	{"writeBufferLowWaterMark", "int", "0"},
	{"serverSocketBacklog", "int", "1024"},
	{"serverPooledByteBufAllocatorEnable", "boolean", "true"},
	{"useEpollNativeSelector", "boolean", "false"},
}

const (
	settingOrderMessageEnable = "orderMessageEnable"
	settingListenPort         = "listenPort"
)

// namesrvConfig is the name server's Configuration: setting name -> Java type and value.
type namesrvConfig struct {
	mu     sync.RWMutex
	kinds  map[string]string
	values map[string]string
	// portSet: the first listener names the port; later ones are extra listeners.
	portSet bool
}

func newNamesrvConfig(orderMessages bool) *namesrvConfig {
	c := &namesrvConfig{kinds: map[string]string{}, values: map[string]string{}}
	for _, s := range namesrvSettings {
		c.kinds[s.name], c.values[s.name] = s.kind, s.value
	}
	c.kinds[settingOrderMessageEnable], c.values[settingOrderMessageEnable] = "boolean", strconv.FormatBool(orderMessages)
	c.kinds[settingListenPort], c.values[settingListenPort] = "int", "9876"
	// NamesrvConfig's defaults: both paths under user.home, the home from ROCKETMQ_HOME.
	home, err := os.UserHomeDir()
	if err != nil {
		home = "?"
	}
	c.kinds["kvConfigPath"], c.values["kvConfigPath"] = "String", filepath.Join(home, "namesrv", "kvConfig.json")
	c.kinds["configStorePath"], c.values["configStorePath"] = "String", filepath.Join(home, "namesrv", "namesrv.properties")
	c.kinds["rocketmqHome"] = "String"
	if h := os.Getenv("ROCKETMQ_HOME"); h != "" {
		c.values["rocketmqHome"] = h
	}
	return c
}

// listening records the port of the first listener the server was started on, as
// NamesrvStartup sets listenPort from its command line or file.
func (c *namesrvConfig) listening(addr net.Addr) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.portSet {
		c.values[settingListenPort] = strconv.Itoa(tcp.Port)
		c.portSet = true
	}
}

func (c *namesrvConfig) snapshot() map[string]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return maps.Clone(c.values)
}

func (c *namesrvConfig) orderMessageEnable() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.values[settingOrderMessageEnable] == "true"
}

// update is MixAll.properties2Object over both config objects.
func (c *namesrvConfig) update(props map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range props {
		kind, ok := c.kinds[k]
		if !ok {
			continue
		}
		switch kind {
		case "int":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				continue
			}
			v = strconv.FormatInt(n, 10)
		case "boolean":
			v = strconv.FormatBool(strings.EqualFold(v, "true"))
		}
		c.values[k] = v
	}
}

func (s *Server) configHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeUpdateNamesrvConfig, s.handleUpdateConfig},
		{remoting.CodeGetNamesrvConfig, s.handleGetConfig},
	}
}

func (s *Server) handleGetConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = protocol.EncodeJavaProperties(s.conf.snapshot())
	return resp
}

func (s *Server) handleUpdateConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if cmd.Body == nil {
		return remoting.NewResponse(cmd, remoting.Success, "")
	}
	props, err := protocol.DecodeJavaProperties(cmd.Body)
	if err != nil {
		return remoting.NewResponse(cmd, remoting.SystemError, "string2Properties error")
	}
	_, kv := props["kvConfigPath"]
	_, store := props["configStorePath"]
	if kv || store {
		return remoting.NewResponse(cmd, remoting.NoPermission, "Can not update config path")
	}
	s.conf.update(props)
	return remoting.NewResponse(cmd, remoting.Success, "")
}
