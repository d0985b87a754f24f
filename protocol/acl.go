package protocol

import "github.com/rocketsim/rocketsim/internal/javamap"

// The ACL admin requests of a 4.9.7 broker with aclEnable=true (UPDATE_AND_CREATE_ACL_CONFIG 50,
// DELETE_ACL_CONFIG 51, GET_BROKER_CLUSTER_ACL_INFO 52, UPDATE_GLOBAL_WHITE_ADDRS_CONFIG 53,
// GET_BROKER_CLUSTER_ACL_CONFIG 54), as mqadmin's updateAclConfig, deleteAccessConfig,
// clusterAclConfigVersion, updateGlobalWhiteAddr and getAccessConfigSubCommand send them.

// Field names of the ACL headers.
const (
	FieldAccessKey          = "accessKey"
	FieldSecretKey          = "secretKey"
	FieldWhiteRemoteAddress = "whiteRemoteAddress"
	FieldAdmin              = "admin"
	FieldDefaultTopicPerm   = "defaultTopicPerm"
	FieldDefaultGroupPerm   = "defaultGroupPerm"
	FieldTopicPerms         = "topicPerms"
	FieldGroupPerms         = "groupPerms"
	FieldGlobalWhiteAddrs   = "globalWhiteAddrs"
	FieldACLFileFullPath    = "aclFileFullPath"
	FieldAllACLFileVersion  = "allAclFileVersion"
)

// CreateAccessConfigRequestHeader is the header of UPDATE_AND_CREATE_ACL_CONFIG (50): one
// account, created or updated. TopicPerms and GroupPerms are comma-separated "name=PERM"
// lists; an empty string is a field left out (Java's null), which on an update keeps what the
// broker's file holds.
type CreateAccessConfigRequestHeader struct {
	AccessKey          string // required
	SecretKey          string
	WhiteRemoteAddress string
	Admin              bool
	DefaultTopicPerm   string
	DefaultGroupPerm   string
	TopicPerms         string
	GroupPerms         string
}

var createAccessConfigRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "CreateAccessConfigRequestHeader", []string{
		FieldAccessKey, FieldSecretKey, FieldWhiteRemoteAddress, FieldAdmin, FieldDefaultTopicPerm,
		FieldDefaultGroupPerm, FieldTopicPerms, FieldGroupPerms}})

func (h CreateAccessConfigRequestHeader) HeaderFields() []string {
	return createAccessConfigRequestFields
}
func (h CreateAccessConfigRequestHeader) FastHeader() bool { return false }

func (h CreateAccessConfigRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 8)
	h.WriteExt(ext)
	return ext
}

// WriteExt leaves out the empty strings, as Java's makeCustomHeaderToNet leaves out nulls; admin,
// a primitive boolean, always travels.
func (h CreateAccessConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldAccessKey] = h.AccessKey
	putOptString(ext, FieldSecretKey, h.SecretKey)
	putOptString(ext, FieldWhiteRemoteAddress, h.WhiteRemoteAddress)
	putBool(ext, FieldAdmin, h.Admin)
	putOptString(ext, FieldDefaultTopicPerm, h.DefaultTopicPerm)
	putOptString(ext, FieldDefaultGroupPerm, h.DefaultGroupPerm)
	putOptString(ext, FieldTopicPerms, h.TopicPerms)
	putOptString(ext, FieldGroupPerms, h.GroupPerms)
}

// CreateAccessConfigPresence says which optional fields of the header were sent: Java tells
// a field sent empty from one left out (null), and the broker's merge depends on it.
type CreateAccessConfigPresence struct {
	SecretKey, WhiteRemoteAddress, DefaultTopicPerm, DefaultGroupPerm, TopicPerms, GroupPerms bool
}

func DecodeCreateAccessConfigRequestHeader(ext map[string]string) (CreateAccessConfigRequestHeader, CreateAccessConfigPresence, error) {
	r := extReader{ext: ext, header: "CreateAccessConfigRequestHeader"}
	var p CreateAccessConfigPresence
	h := CreateAccessConfigRequestHeader{AccessKey: r.str(FieldAccessKey, true)}
	h.SecretKey, p.SecretKey = r.value(FieldSecretKey, false)
	h.WhiteRemoteAddress, p.WhiteRemoteAddress = r.value(FieldWhiteRemoteAddress, false)
	h.Admin = r.bool(FieldAdmin, false)
	h.DefaultTopicPerm, p.DefaultTopicPerm = r.value(FieldDefaultTopicPerm, false)
	h.DefaultGroupPerm, p.DefaultGroupPerm = r.value(FieldDefaultGroupPerm, false)
	h.TopicPerms, p.TopicPerms = r.value(FieldTopicPerms, false)
	h.GroupPerms, p.GroupPerms = r.value(FieldGroupPerms, false)
	return h, p, r.result()
}

// DeleteAccessConfigRequestHeader is the header of DELETE_ACL_CONFIG (51).
type DeleteAccessConfigRequestHeader struct {
	AccessKey string // required
}

var deleteAccessConfigRequestFields = []string{FieldAccessKey}

func (h DeleteAccessConfigRequestHeader) HeaderFields() []string {
	return deleteAccessConfigRequestFields
}
func (h DeleteAccessConfigRequestHeader) FastHeader() bool { return false }

func (h DeleteAccessConfigRequestHeader) ToExt() map[string]string {
	return map[string]string{FieldAccessKey: h.AccessKey}
}

func (h DeleteAccessConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldAccessKey] = h.AccessKey
}

func DecodeDeleteAccessConfigRequestHeader(ext map[string]string) (DeleteAccessConfigRequestHeader, error) {
	r := extReader{ext: ext, header: "DeleteAccessConfigRequestHeader"}
	h := DeleteAccessConfigRequestHeader{AccessKey: r.str(FieldAccessKey, true)}
	return h, r.result()
}

// UpdateGlobalWhiteAddrsConfigRequestHeader is the header of UPDATE_GLOBAL_WHITE_ADDRS_CONFIG
// (53): the comma-separated addresses replace the file's globalWhiteRemoteAddresses. Both fields
// are required (Java's @CFNotNull); an empty ACLFileFullPath means the broker's default
// plain_acl.yml.
type UpdateGlobalWhiteAddrsConfigRequestHeader struct {
	GlobalWhiteAddrs string // required
	ACLFileFullPath  string // required
}

var updateGlobalWhiteAddrsConfigRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "UpdateGlobalWhiteAddrsConfigRequestHeader", []string{
		FieldGlobalWhiteAddrs, FieldACLFileFullPath}})

func (h UpdateGlobalWhiteAddrsConfigRequestHeader) HeaderFields() []string {
	return updateGlobalWhiteAddrsConfigRequestFields
}
func (h UpdateGlobalWhiteAddrsConfigRequestHeader) FastHeader() bool { return false }

func (h UpdateGlobalWhiteAddrsConfigRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h UpdateGlobalWhiteAddrsConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldGlobalWhiteAddrs] = h.GlobalWhiteAddrs
	ext[FieldACLFileFullPath] = h.ACLFileFullPath
}

func DecodeUpdateGlobalWhiteAddrsConfigRequestHeader(ext map[string]string) (UpdateGlobalWhiteAddrsConfigRequestHeader, error) {
	r := extReader{ext: ext, header: "UpdateGlobalWhiteAddrsConfigRequestHeader"}
	h := UpdateGlobalWhiteAddrsConfigRequestHeader{
		GlobalWhiteAddrs: r.str(FieldGlobalWhiteAddrs, true),
		ACLFileFullPath:  r.str(FieldACLFileFullPath, true),
	}
	return h, r.result()
}

// GetBrokerACLConfigResponseHeader answers GET_BROKER_CLUSTER_ACL_INFO (52). Version is the
// default plain_acl.yml's DataVersion as JSON; AllACLFileVersion is a JSON object of every ACL
// file's path to its DataVersion.
type GetBrokerACLConfigResponseHeader struct {
	Version           string
	AllACLFileVersion string
	BrokerName        string
	BrokerAddr        string
	ClusterName       string
}

var getBrokerACLConfigResponseFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetBrokerAclConfigResponseHeader", []string{
		FieldVersion, FieldAllACLFileVersion, FieldBrokerName, FieldBrokerAddr, FieldClusterName}})

func (h GetBrokerACLConfigResponseHeader) HeaderFields() []string {
	return getBrokerACLConfigResponseFields
}
func (h GetBrokerACLConfigResponseHeader) FastHeader() bool { return false }

func (h GetBrokerACLConfigResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 5)
	h.WriteExt(ext)
	return ext
}

func (h GetBrokerACLConfigResponseHeader) WriteExt(ext map[string]string) {
	ext[FieldVersion] = h.Version
	putOptString(ext, FieldAllACLFileVersion, h.AllACLFileVersion)
	ext[FieldBrokerName] = h.BrokerName
	ext[FieldBrokerAddr] = h.BrokerAddr
	ext[FieldClusterName] = h.ClusterName
}

func DecodeGetBrokerACLConfigResponseHeader(ext map[string]string) (GetBrokerACLConfigResponseHeader, error) {
	r := extReader{ext: ext, header: "GetBrokerAclConfigResponseHeader"}
	h := GetBrokerACLConfigResponseHeader{
		Version:           r.str(FieldVersion, true),
		AllACLFileVersion: r.str(FieldAllACLFileVersion, false),
		BrokerName:        r.str(FieldBrokerName, true),
		BrokerAddr:        r.str(FieldBrokerAddr, true),
		ClusterName:       r.str(FieldClusterName, true),
	}
	return h, r.result()
}

// EncodeACLFileVersions writes the allAclFileVersion of GET_BROKER_CLUSTER_ACL_INFO's answer:
// fastjson of a HashMap from file path to DataVersion.
func EncodeACLFileVersions(versions map[string]DataVersion) string {
	w := &fjWriter{}
	paths := javaStringKeys(versions)
	javamap.Order(paths)
	w.byte('{')
	for i, path := range paths {
		w.mapKey(i, path)
		w.dataVersion(versions[path])
	}
	w.byte('}')
	return string(w.buf)
}

// PlainAccessConfig is one account as GET_BROKER_CLUSTER_ACL_CONFIG (54) lists it (Java's
// PlainAccessConfig). Empty strings and nil lists are Java's nulls, which fastjson leaves out.
type PlainAccessConfig struct {
	AccessKey          string
	SecretKey          string
	WhiteRemoteAddress string
	Admin              bool
	DefaultTopicPerm   string
	DefaultGroupPerm   string
	TopicPerms         []string
	GroupPerms         []string
}

// ClusterACLConfig is the body of GET_BROKER_CLUSTER_ACL_CONFIG's answer (Java's
// GetBrokerClusterAclConfigResponseBody).
type ClusterACLConfig struct {
	GlobalWhiteAddrs   []string
	PlainAccessConfigs []PlainAccessConfig
}

// Encode writes the body as fastjson does: properties in alphabetical order, nulls left out.
func (c *ClusterACLConfig) Encode() []byte {
	w := &fjWriter{}
	w.byte('{')
	n := 0
	if c.GlobalWhiteAddrs != nil {
		w.field(n, "globalWhiteAddrs")
		w.stringList(c.GlobalWhiteAddrs)
		n++
	}
	if c.PlainAccessConfigs != nil {
		w.field(n, "plainAccessConfigs")
		w.byte('[')
		for i := range c.PlainAccessConfigs {
			w.comma(i)
			w.plainAccessConfig(&c.PlainAccessConfigs[i])
		}
		w.byte(']')
	}
	w.byte('}')
	return w.buf
}

func (w *fjWriter) plainAccessConfig(a *PlainAccessConfig) {
	w.byte('{')
	n := 0
	str := func(name, v string) {
		if v != "" {
			w.field(n, name)
			w.string(v)
			n++
		}
	}
	list := func(name string, v []string) {
		if v != nil {
			w.field(n, name)
			w.stringList(v)
			n++
		}
	}
	str("accessKey", a.AccessKey)
	w.field(n, "admin")
	w.bool(a.Admin)
	n++
	str("defaultGroupPerm", a.DefaultGroupPerm)
	str("defaultTopicPerm", a.DefaultTopicPerm)
	list("groupPerms", a.GroupPerms)
	str("secretKey", a.SecretKey)
	list("topicPerms", a.TopicPerms)
	str("whiteRemoteAddress", a.WhiteRemoteAddress)
	w.byte('}')
}

// DecodeClusterACLConfig reads the body of GET_BROKER_CLUSTER_ACL_CONFIG's answer.
func DecodeClusterACLConfig(data []byte) (*ClusterACLConfig, error) {
	var c ClusterACLConfig
	err := fjDecode(data, "GetBrokerClusterAclConfigResponseBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "globalWhiteAddrs":
				c.GlobalWhiteAddrs, err = r.StringList()
			case "plainAccessConfigs":
				c.PlainAccessConfigs = []PlainAccessConfig{}
				err = r.Array(func() error {
					var a PlainAccessConfig
					err := r.plainAccessConfig(&a)
					c.PlainAccessConfigs = append(c.PlainAccessConfigs, a)
					return err
				})
			default:
				err = r.Skip()
			}
			return err
		})
	})
	return &c, err
}

func (r *fjReader) plainAccessConfig(a *PlainAccessConfig) error {
	return r.Object(func(key string) error {
		var err error
		switch key {
		case "accessKey":
			a.AccessKey, err = r.Str()
		case "secretKey":
			a.SecretKey, err = r.Str()
		case "whiteRemoteAddress":
			a.WhiteRemoteAddress, err = r.Str()
		case "admin":
			a.Admin, err = r.Bool()
		case "defaultTopicPerm":
			a.DefaultTopicPerm, err = r.Str()
		case "defaultGroupPerm":
			a.DefaultGroupPerm, err = r.Str()
		case "topicPerms":
			a.TopicPerms, err = r.StringList()
		case "groupPerms":
			a.GroupPerms, err = r.StringList()
		default:
			err = r.Skip()
		}
		return err
	})
}

// DecodeACLFileVersions reads the allAclFileVersion of GET_BROKER_CLUSTER_ACL_INFO's answer.
func DecodeACLFileVersions(s string) (map[string]DataVersion, error) {
	out := map[string]DataVersion{}
	err := fjDecode([]byte(s), "allAclFileVersion", func(r *fjReader) error {
		return r.Object(func(path string) error {
			var v DataVersion
			err := r.dataVersion(&v)
			out[path] = v
			return err
		})
	})
	return out, err
}
