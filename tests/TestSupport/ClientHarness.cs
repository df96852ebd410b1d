using System.Collections.Concurrent;
using B24CallListApp.Bitrix24;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>A token store that keeps pairs in memory, with the same compare-and-swap contract as the database one.</summary>
public sealed class MemoryTokenStore : IBitrix24TokenStore
{
    readonly ConcurrentDictionary<AccountKey, AuthToken> _tokens = new();
    readonly KeyedLocks<AccountKey> _locks = new();

    /// <summary>Harnesses sharing this store stand for instances sharing a database: they take turns here.</summary>
    public async Task<IAsyncDisposable> LockAsync(AccountKey account, TimeSpan hold, CancellationToken ct) =>
        new Turn(await _locks.EnterAsync(account, ct));

    sealed class Turn(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    public void Put(AccountKey account, AuthToken token) => _tokens[account] = token;

    public AuthToken? Peek(AccountKey account) => _tokens.GetValueOrDefault(account);

    public Task<AuthToken?> GetAsync(AccountKey account, CancellationToken ct) => Task.FromResult(_tokens.GetValueOrDefault(account));

    public Task<bool> TryReplaceAsync(AccountKey account, AuthToken previous, AuthToken next, CancellationToken ct) =>
        Task.FromResult(_tokens.TryUpdate(account, next, previous));
}

/// <summary>A token store whose writes take a while, as a busy database's do.</summary>
public sealed class SlowWrites(IBitrix24TokenStore inner, TimeSpan delay) : IBitrix24TokenStore
{
    public Task<IAsyncDisposable> LockAsync(AccountKey account, TimeSpan hold, CancellationToken ct) => inner.LockAsync(account, hold, ct);

    public Task<AuthToken?> GetAsync(AccountKey account, CancellationToken ct) => inner.GetAsync(account, ct);

    public async Task<bool> TryReplaceAsync(AccountKey account, AuthToken previous, AuthToken next, CancellationToken ct)
    {
        await Task.Delay(delay, ct);
        return await inner.TryReplaceAsync(account, previous, next, ct);
    }
}

/// <summary>Remembers the moves the client reports, as the database's portal records would.</summary>
public sealed class MemoryPortalStore : IBitrix24PortalStore
{
    public ConcurrentDictionary<string, Uri> Moves { get; } = new();

    public Task MovedAsync(string memberId, string domain, Uri clientEndpoint, CancellationToken ct)
    {
        Moves[memberId] = clientEndpoint;
        return Task.CompletedTask;
    }
}

/// <summary>The app's Bitrix24 client, wired the way the app wires it, pointed at the emulator.</summary>
public sealed class ClientHarness : IAsyncDisposable
{
    readonly ServiceProvider _services;

    /// <param name="store">A token store shared with another harness (another app instance on the same database).</param>
    /// <param name="writes">What stands between the client and <paramref name="store"/> (a slow database, say).</param>
    /// <param name="time">The clock the client's limiter reads.</param>
    public ClientHarness(EmulatorControl control, Dictionary<string, string?>? settings = null, MemoryTokenStore? store = null,
        Func<IBitrix24TokenStore, IBitrix24TokenStore>? writes = null, TimeProvider? time = null)
    {
        Store = store ?? new MemoryTokenStore();
        var values = new Dictionary<string, string?>
        {
            ["Bitrix24:ClientId"] = "app.test",
            ["Bitrix24:ClientSecret"] = "test-secret",
            ["Bitrix24:OAuthServers:0"] = control.BaseAddress.ToString(),
            ["Bitrix24:AllowPrivateNetworkPortals"] = "true",
            ["Bitrix24:RateLimit:BurstLimit"] = "1000",
            ["Bitrix24:RateLimit:RequestsPerSecond"] = "1000",
            ["Bitrix24:RetryBaseDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IHostEnvironment>(new TestEnvironment());
        services.AddSingleton<IBitrix24TokenStore>(writes?.Invoke(Store) ?? Store);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton<IBitrix24PortalStore>(Portals);
        services.AddBitrix24(configuration);
        _services = services.BuildServiceProvider(validateScopes: true);
        Client = _services.GetRequiredService<Bitrix24Client>();
    }

    public MemoryTokenStore Store { get; }

    public MemoryPortalStore Portals { get; } = new();

    public Bitrix24Client Client { get; }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public Bitrix24Account Account(EmulatedPortal portal, EmulatedUser user)
    {
        var key = new AccountKey(portal.MemberId, user.Id);
        Store.Put(key, new AuthToken(user.AccessToken, user.RefreshToken, DateTimeOffset.UtcNow.AddHours(1)));
        return new Bitrix24Account(key, new Uri(portal.ClientEndpoint), new Uri(portal.OAuthServer));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "B24CallListApp.Tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
