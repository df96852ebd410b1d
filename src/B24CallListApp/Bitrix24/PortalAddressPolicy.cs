using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>A portal's host resolved only to addresses the app may not send tokens to.</summary>
public sealed class PortalAddressRefusedException(string host)
    : IOException($"The portal host {host} resolves only to loopback, private or reserved addresses");

/// <summary>Which portal addresses the app will send tokens to.</summary>
public sealed class PortalAddressPolicy(IOptions<Bitrix24Options> options)
{
    /// <summary>Portals live on public https hosts; loopback, private and plain http only when configured for development.</summary>
    public bool IsAllowed(Uri endpoint)
    {
        if (options.Value.AllowPrivateNetworkPortals)
        {
            return endpoint.Scheme is "https" or "http";
        }

        if (endpoint.Scheme != "https" || endpoint.IsLoopback || endpoint.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var address) || IsPublic(address);
    }

    /// <summary>
    /// Connects to the portal only through an address that is public: a name that resolves to
    /// loopback or a private range is refused at the socket, where the check cannot be fooled by DNS.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var resolved = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = options.Value.AllowPrivateNetworkPortals ? resolved : resolved.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new PortalAddressRefusedException(host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal);
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] == 0 || b[0] >= 224);
    }
}
