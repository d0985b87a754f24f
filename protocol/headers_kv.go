package protocol

// Headers of the name server's KV config requests (PUT_KV_CONFIG 100, GET_KV_CONFIG 101,
// DELETE_KV_CONFIG 102). Clients ask for namespace ORDER_TOPIC_CONFIG keyed by topic.

// GetKVConfigRequestHeader is the header of GET_KV_CONFIG (101).
type GetKVConfigRequestHeader struct {
	Namespace string // required
	Key       string // required
}

var getKVConfigRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "GetKVConfigRequestHeader", []string{FieldNamespace, FieldKey}})

func (h GetKVConfigRequestHeader) HeaderFields() []string { return getKVConfigRequestFields }
func (h GetKVConfigRequestHeader) FastHeader() bool       { return false }

func (h GetKVConfigRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h GetKVConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldNamespace] = h.Namespace
	ext[FieldKey] = h.Key
}

func DecodeGetKVConfigRequestHeader(ext map[string]string) (GetKVConfigRequestHeader, error) {
	r := extReader{ext: ext, header: "GetKVConfigRequestHeader"}
	h := GetKVConfigRequestHeader{
		Namespace: r.str(FieldNamespace, true),
		Key:       r.str(FieldKey, true),
	}
	return h, r.result()
}

// GetKVConfigResponseHeader answers GET_KV_CONFIG with code SUCCESS; an absent key is answered
// QUERY_NOT_FOUND (22) with no header.
type GetKVConfigResponseHeader struct {
	Value string
}

var getKVConfigResponseFields = []string{FieldValue}

func (h GetKVConfigResponseHeader) HeaderFields() []string { return getKVConfigResponseFields }
func (h GetKVConfigResponseHeader) FastHeader() bool       { return false }

func (h GetKVConfigResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetKVConfigResponseHeader) WriteExt(ext map[string]string) {
	putOptString(ext, FieldValue, h.Value)
}

func DecodeGetKVConfigResponseHeader(ext map[string]string) (GetKVConfigResponseHeader, error) {
	r := extReader{ext: ext, header: "GetKVConfigResponseHeader"}
	h := GetKVConfigResponseHeader{Value: r.str(FieldValue, false)}
	return h, r.result()
}

// PutKVConfigRequestHeader is the header of PUT_KV_CONFIG (100).
type PutKVConfigRequestHeader struct {
	Namespace string // required
	Key       string // required
	Value     string // required
}

var putKVConfigRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "PutKVConfigRequestHeader", []string{FieldNamespace, FieldKey, FieldValue}})

func (h PutKVConfigRequestHeader) HeaderFields() []string { return putKVConfigRequestFields }
func (h PutKVConfigRequestHeader) FastHeader() bool       { return false }

func (h PutKVConfigRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h PutKVConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldNamespace] = h.Namespace
	ext[FieldKey] = h.Key
	ext[FieldValue] = h.Value
}

func DecodePutKVConfigRequestHeader(ext map[string]string) (PutKVConfigRequestHeader, error) {
	r := extReader{ext: ext, header: "PutKVConfigRequestHeader"}
	h := PutKVConfigRequestHeader{
		Namespace: r.str(FieldNamespace, true),
		Key:       r.str(FieldKey, true),
		Value:     r.str(FieldValue, true),
	}
	return h, r.result()
}

// DeleteKVConfigRequestHeader is the header of DELETE_KV_CONFIG (102).
type DeleteKVConfigRequestHeader struct {
	Namespace string // required
	Key       string // required
}

var deleteKVConfigRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "DeleteKVConfigRequestHeader", []string{FieldNamespace, FieldKey}})

func (h DeleteKVConfigRequestHeader) HeaderFields() []string { return deleteKVConfigRequestFields }
func (h DeleteKVConfigRequestHeader) FastHeader() bool       { return false }

func (h DeleteKVConfigRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h DeleteKVConfigRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldNamespace] = h.Namespace
	ext[FieldKey] = h.Key
}

func DecodeDeleteKVConfigRequestHeader(ext map[string]string) (DeleteKVConfigRequestHeader, error) {
	r := extReader{ext: ext, header: "DeleteKVConfigRequestHeader"}
	h := DeleteKVConfigRequestHeader{
		Namespace: r.str(FieldNamespace, true),
		Key:       r.str(FieldKey, true),
	}
	return h, r.result()
}

// GetKVListByNamespaceRequestHeader is the header of GET_KVLIST_BY_NAMESPACE (219); the
// answer's body is a KVTable.
type GetKVListByNamespaceRequestHeader struct {
	Namespace string // required
}

var getKVListByNamespaceRequestFields = []string{FieldNamespace}

func (h GetKVListByNamespaceRequestHeader) HeaderFields() []string {
	return getKVListByNamespaceRequestFields
}
func (h GetKVListByNamespaceRequestHeader) FastHeader() bool { return false }

func (h GetKVListByNamespaceRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetKVListByNamespaceRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldNamespace] = h.Namespace
}

func DecodeGetKVListByNamespaceRequestHeader(ext map[string]string) (GetKVListByNamespaceRequestHeader, error) {
	r := extReader{ext: ext, header: "GetKVListByNamespaceRequestHeader"}
	h := GetKVListByNamespaceRequestHeader{Namespace: r.str(FieldNamespace, true)}
	return h, r.result()
}
