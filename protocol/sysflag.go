package protocol

// Message sysFlag bits (Java MessageSysFlag, 4.9.7).
const (
	SysFlagCompressed          int32 = 0x1
	SysFlagMultiTags           int32 = 0x2
	SysFlagTransactionNotType  int32 = 0x0
	SysFlagTransactionPrepared int32 = 0x4
	SysFlagTransactionCommit   int32 = 0x8
	SysFlagTransactionRollback int32 = 0xC
	SysFlagBornHostV6          int32 = 0x10
	SysFlagStoreHostV6         int32 = 0x20

	// Since 4.9.4 the compression type rides in bits 8-10 beside the compressed bit.
	SysFlagCompressionTypeMask int32 = 0x700
	SysFlagCompressionLZ4      int32 = 0x100
	SysFlagCompressionZSTD     int32 = 0x200
	SysFlagCompressionZLIB     int32 = 0x300
)

// TransactionType returns the transaction bits of sysFlag.
func TransactionType(sysFlag int32) int32 { return sysFlag & SysFlagTransactionRollback }

// IsCompressed reports whether the body travels compressed.
func IsCompressed(sysFlag int32) bool { return sysFlag&SysFlagCompressed != 0 }
