package protocol

import "fmt"

// Message sysFlag bits (Java MessageSysFlag, 4.9.7). The flag travels in the send header and
// in every stored message; a broker adds the host bits and MULTI_TAGS itself.
const (
	SysFlagCompressed          int32 = 0x1
	SysFlagMultiTags           int32 = 0x2
	SysFlagTransactionNotType  int32 = 0x0
	SysFlagTransactionPrepared int32 = 0x4
	SysFlagTransactionCommit   int32 = 0x8
	SysFlagTransactionRollback int32 = 0xC
	SysFlagBornHostV6          int32 = 0x10
	SysFlagStoreHostV6         int32 = 0x20
	// SysFlagNeedUnwrap and SysFlagInnerBatch exist in 4.9.7 for the broker's inner batches;
	// no 4.x client sets them, and they are listed so that a decoder does not mistake them.
	SysFlagNeedUnwrap  int32 = 0x40
	SysFlagInnerBatch  int32 = 0x80
	sysFlagTransaction int32 = SysFlagTransactionRollback

	// Since 4.9.4 a compressed body also names its algorithm in bits 8-10. Older peers leave
	// them 0, which readers take as zlib.
	SysFlagCompressionLZ4      int32 = 0x100
	SysFlagCompressionZSTD     int32 = 0x200
	SysFlagCompressionZLIB     int32 = 0x300
	SysFlagCompressionTypeMask int32 = 0x700
)

// CompressionType is the algorithm a compressed body uses (Java CompressionType).
type CompressionType int32

// The values Java gives the types; they are the sysFlag bits shifted down by 8.
const (
	CompressionLZ4  CompressionType = 1
	CompressionZSTD CompressionType = 2
	CompressionZLIB CompressionType = 3
)

func (t CompressionType) String() string {
	switch t {
	case CompressionLZ4:
		return "LZ4"
	case CompressionZSTD:
		return "ZSTD"
	case CompressionZLIB:
		return "ZLIB"
	}
	return fmt.Sprintf("CompressionType(%d)", int32(t))
}

// SysFlag returns the bits that name t in a sysFlag (without SysFlagCompressed itself).
func (t CompressionType) SysFlag() int32 { return int32(t) << 8 & SysFlagCompressionTypeMask }

// CompressionTypeOf reads the algorithm from sysFlag as Java's getCompressionType does: no type
// bits mean zlib, for bodies compressed by clients older than 4.9.4 and by the official Go
// client; a value Java does not know is an error there too.
func CompressionTypeOf(sysFlag int32) (CompressionType, error) {
	switch t := CompressionType(sysFlag & SysFlagCompressionTypeMask >> 8); t {
	case 0:
		return CompressionZLIB, nil
	case CompressionLZ4, CompressionZSTD, CompressionZLIB:
		return t, nil
	default:
		return 0, fmt.Errorf("protocol: unknown compression type %d in sysFlag %#x", int32(t), sysFlag)
	}
}

// IsCompressed reports whether the body travels compressed.
func IsCompressed(sysFlag int32) bool { return sysFlag&SysFlagCompressed != 0 }

// ClearCompressed drops the compressed bit, as Java's clearCompressedFlag: the type bits stay.
func ClearCompressed(sysFlag int32) int32 { return sysFlag &^ SysFlagCompressed }

// TransactionType returns the transaction bits of sysFlag: one of the SysFlagTransaction values.
func TransactionType(sysFlag int32) int32 { return sysFlag & sysFlagTransaction }

// WithTransactionType replaces the transaction bits of sysFlag by typ.
func WithTransactionType(sysFlag, typ int32) int32 {
	return sysFlag&^sysFlagTransaction | typ&sysFlagTransaction
}

// PULL_MESSAGE sysFlag bits (Java PullSysFlag, 4.9.7).
const (
	// PullSysFlagCommitOffset: the request's commitOffset is the group's consumed offset.
	PullSysFlagCommitOffset int32 = 0x1
	// PullSysFlagSuspend: the broker may hold a pull that finds nothing for
	// suspendTimeoutMillis (long polling).
	PullSysFlagSuspend int32 = 0x2
	// PullSysFlagSubscription: the subscription travels in the request, so the broker does
	// not need the group's heartbeat to filter.
	PullSysFlagSubscription int32 = 0x4
	PullSysFlagClassFilter  int32 = 0x8
	PullSysFlagLitePull     int32 = 0x10
)

// Topic sysFlag bits (Java TopicSysFlag, 4.9.7), carried by a TopicConfig and its queue data.
const (
	TopicSysFlagUnit    int32 = 0x1
	TopicSysFlagUnitSub int32 = 0x2
)
