using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>What one POST to the echo carried: its query string and its form fields.</summary>
public sealed record EchoedPost(IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Form);

/// <summary>
/// A stand-in for the app that only records what the portal POSTs to it, so the emulator's own
/// POSTs (opens, installs, events) can be checked field by field.
/// </summary>
public sealed class FormEcho : IAsyncDisposable
{
    readonly WebApplication _app;

    FormEcho(WebApplication app) => _app = app;

    public ConcurrentQueue<EchoedPost> Posts { get; } = new();

    public Uri Url => new(_app.Urls.First().TrimEnd('/') + "/");

    public static async Task<FormEcho> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var echo = new FormEcho(app);
        app.Run(async context =>
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
            echo.Posts.Enqueue(new EchoedPost(
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                form?.ToDictionary(f => f.Key, f => f.Value.ToString()) ?? []));
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        return echo;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
