package testagent

import (
	"encoding/base64"
	"encoding/binary"
)

// CapabilityHeader is the request and response header in which agent and controller
// announce their remoting capabilities.
const CapabilityHeader = "X-Remoting-Capability"

// ConnectionCookieHeader is the header in which the controller hands the agent a cookie
// that the agent sends back when it reconnects.
const ConnectionCookieHeader = "Connection-Cookie"

// AgentCapabilityMask is the capability set agent.jar 3256.x announces: multi-classloader
// RPC, pipe throttling, mimic exception, prefetch, greedy remote input stream, proxy
// writer 2.35, chunked encoding and proxy exception fallback (bits 1 to 8).
const AgentCapabilityMask uint64 = 0x1fe

// CapabilityValue encodes mask the way remoting's Capability.toASCII does: the Java
// serialization of a hudson.remoting.Capability object (one long field, "mask"),
// Base64-encoded. The controller decodes it with Capability.fromASCII, so the value must
// be exact.
func CapabilityValue(mask uint64) string {
	const class = "hudson.remoting.Capability"
	b := []byte{0xac, 0xed, 0x00, 0x05, 0x73, 0x72} // stream magic, version, object, class desc
	b = binary.BigEndian.AppendUint16(b, uint16(len(class)))
	b = append(b, class...)
	b = binary.BigEndian.AppendUint64(b, 1) // serialVersionUID
	b = append(b, 0x02)                     // SC_SERIALIZABLE
	b = binary.BigEndian.AppendUint16(b, 1) // one field
	b = append(b, 'J')                      // of type long
	b = binary.BigEndian.AppendUint16(b, uint16(len("mask")))
	b = append(b, "mask"...)
	b = append(b, 0x78, 0x70) // end of class annotations, no superclass
	b = binary.BigEndian.AppendUint64(b, mask)
	return base64.StdEncoding.EncodeToString(b)
}
