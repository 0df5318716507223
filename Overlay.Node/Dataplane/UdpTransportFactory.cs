using System.Net;
using Overlay.Node.Udp;

namespace Overlay.Node.Dataplane;

/// <summary>Opens a UDP transport bound to <paramref name="local"/>. Production: <c>UdpTransport.Bind</c>;
/// tests: <c>ChannelUdpNetwork.Bind</c>. Throws with a message naming the endpoint when the bind fails.</summary>
public delegate IUdpTransport UdpTransportFactory(IPEndPoint local);
