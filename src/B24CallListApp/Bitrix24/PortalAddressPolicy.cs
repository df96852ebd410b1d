using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

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

    static bool IsPublic(IPAddress address)
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
