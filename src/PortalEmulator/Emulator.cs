using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PortalEmulator.Portals;

namespace PortalEmulator;

/// <summary>
/// Everything the emulated Bitrix24 cloud knows: portals, issued tokens and the OAuth server's log.
/// Each portal listens on a port of its own so that it has an origin (DOMAIN) of its own.
/// </summary>
public sealed class Emulator(TimeProvider time, IOptions<EmulatorOptions> options, PortalHosts hosts) : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, Portal> _portals = new();
    readonly ConcurrentDictionary<string, TokenGrant> _byAccessToken = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, TokenGrant> _byRefreshToken = new(StringComparer.Ordinal);
    readonly Lock _oauthLogSync = new();
    readonly List<OAuthLogEntry> _oauthLog = [];

    public TimeProvider Time { get; } = time;
    public EmulatorOptions Options { get; } = options.Value;

    /// <summary>Base URL of the OAuth server (this emulator's main address), set once it listens.</summary>
    public string OAuthServer { get; set; } = "http://127.0.0.1/";

    public Portal? FindPortal(string memberId) => _portals.GetValueOrDefault(memberId);

    /// <summary>Faults of the OAuth server itself, by path (<c>token</c> or <c>app.info</c>).</summary>
    public FaultBook OAuthFaults { get; } = new();

    public bool IsKnownClient(string? clientId, string? secret) =>
        _portals.Values.Any(p => p.App.ClientId == clientId && OAuth.OAuthEndpoints.FixedTimeEquals(p.App.ClientSecret, secret));

    public async Task<Portal> CreatePortalAsync(string clientId, string clientSecret, string seed, string language, CancellationToken ct)
    {
        var portal = new Portal
        {
            MemberId = RandomHex(16),
            Domain = "pending",
            Language = language,
            App = new RegisteredApp { ClientId = clientId, ClientSecret = clientSecret, ApplicationToken = RandomHex(16) },
            Bucket = new LeakyBucket(Time, Options.DrainPerSecond, Options.BucketCapacity),
            Operating = new OperatingMeter(Time, TimeSpan.FromSeconds(Options.OperatingWindowSeconds), Options.OperatingLimitSeconds),
        };
        DemoSeed.Apply(portal, seed, Time.GetUtcNow().UtcDateTime);
        portal.Domain = await hosts.StartAsync(portal, Options.BindAddress, ct);
        _portals[portal.MemberId] = portal;
        return portal;
    }

    /// <summary>The portal gets a new domain; the old one answers 302 to it from now on.</summary>
    public async Task MoveAsync(Portal portal, CancellationToken ct)
    {
        var domain = await hosts.StartAsync(portal, Options.BindAddress, ct);
        lock (portal.Sync)
        {
            portal.Domain = domain;
        }
    }

    public TokenGrant IssueTokens(Portal portal, int userId)
    {
        var grant = new TokenGrant
        {
            AccessToken = RandomHex(35),
            RefreshToken = RandomHex(35),
            Portal = portal,
            UserId = userId,
            ClientId = portal.App.ClientId,
            ExpiresAt = Time.GetUtcNow().AddSeconds(Options.AccessTokenLifetimeSeconds),
        };
        _byAccessToken[grant.AccessToken] = grant;
        _byRefreshToken[grant.RefreshToken] = grant;
        return grant;
    }

    /// <summary>Every token pair the emulated cloud has issued, for tests that look for secrets where none belong.</summary>
    public IReadOnlyList<TokenGrant> IssuedGrants() => [.. _byAccessToken.Values];

    public IReadOnlyList<Portal> Portals() => [.. _portals.Values];

    public TokenGrant? FindByAccessToken(string? token) =>
        token is null ? null : _byAccessToken.GetValueOrDefault(token);

    public TokenGrant? FindByRefreshToken(string? token) =>
        token is null ? null : _byRefreshToken.GetValueOrDefault(token);

    /// <summary>Marks a refresh token used; false when another refresh got there first.</summary>
    public bool TryUseRefreshToken(TokenGrant grant)
    {
        lock (grant)
        {
            if (grant.RefreshUsed)
            {
                return false;
            }

            grant.RefreshUsed = true;
            return true;
        }
    }

    public void LogOAuth(OAuthLogEntry entry)
    {
        lock (_oauthLogSync)
        {
            _oauthLog.Add(entry);
        }
    }

    public IReadOnlyList<OAuthLogEntry> OAuthLog()
    {
        lock (_oauthLogSync)
        {
            return [.. _oauthLog];
        }
    }

    public static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    public ValueTask DisposeAsync() => hosts.DisposeAsync();
}
