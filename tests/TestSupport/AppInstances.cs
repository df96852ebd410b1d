using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>
/// The app on a real loopback port (the emulator's portals POST to it), started in-process the way
/// tests and benchmarks need it: its own settings, environment and log sink.
/// </summary>
public static class AppInstances
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    /// <summary>What every instance in tests and benchmarks needs: its database, this app's credentials, the emulator as its one trusted OAuth server.</summary>
    public static Dictionary<string, string?> EmulatorSettings(Uri emulator, string databasePath, IDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Default"] = $"Data Source={databasePath}",
            ["Bitrix24:ClientId"] = "app.test",
            ["Bitrix24:ClientSecret"] = "test-secret",
            ["Bitrix24:OAuthServers:0"] = emulator.ToString(),
            ["Bitrix24:AllowPrivateNetworkPortals"] = "true",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return values;
    }

    public static WebApplicationFactory<Program> Start(IDictionary<string, string?> settings, string environment = "Testing",
        Action<IServiceCollection>? services = null, ILoggerProvider? logs = null, LogLevel minimumLevel = LogLevel.Trace)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment(environment);
            // The repository root holds appsettings.json and wwwroot/, as for `dotnet run`.
            web.UseContentRoot(RepositoryRoot);
            web.ConfigureLogging(logging =>
            {
                logging.SetMinimumLevel(minimumLevel);
                if (logs is not null)
                {
                    logging.AddProvider(logs);
                }
            });
            if (services is not null)
            {
                web.ConfigureServices(services);
            }

            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        return factory;
    }

    public static Uri AddressOf(WebApplicationFactory<Program> factory)
    {
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "B24CallListApp.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("B24CallListApp.sln not found above " + AppContext.BaseDirectory);
    }
}
