using System.Diagnostics;
using B24CallListApp.CallLists;
using B24CallListApp.Tests.CallLists;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TestSupport;

namespace B24CallListApp.Tests.Operations;

/// <summary>OpenTelemetry as an operator's collector sees it, through the in-memory exporter.</summary>
[Collection(B24CallListApp.Tests.Bitrix24.TelemetryCollection.Name)]
public sealed class TelemetryTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_save_is_one_trace_with_its_portal_calls_as_children_and_the_save_counter_moves()
    {
        var exported = new List<Activity>();
        var metrics = new List<Metric>();
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" }, services: s =>
        {
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exported));
            s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });
        var url = AppFixture.AddressOf(instance);
        await Health.WaitForAsync(app.Http, new Uri(url, "healthz"), a => a.Status == 200);
        var portal = await app.Control.CreatePortalAsync(app: new() { InstallUrl = url + "install", HandlerUrl = url.ToString() });
        await app.Control.InstallAsync(portal, new(Finish: true));
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1, appUrl: url);

        var page = await admin.AddSelectedAsync(1, [30]);
        Assert.Equal(200, page.Status);
        instance.Services.GetRequiredService<TracerProvider>().ForceFlush();
        instance.Services.GetRequiredService<MeterProvider>().ForceFlush();
        // The exporter keeps appending spans that other work of the instance ends (lease renewals, say): read a copy.
        var spans = Snapshot(exported);

        // Activity sources are the process's: other app instances of the test run save too, so this portal's save is picked out.
        var save = Assert.Single(spans, s => s.OperationName == "calllist.save" && (string?)s.GetTagItem("bitrix24.member_id") == portal.MemberId);
        Assert.Equal("saved", save.GetTagItem("calllists.outcome"));
        var calls = spans.Where(s => s.ParentSpanId == save.SpanId && s.GetTagItem("bitrix24.method") is not null).ToList();
        Assert.Contains(calls, c => (string?)c.GetTagItem("bitrix24.method") == "crm.calllist.update");
        Assert.Contains(calls, c => (string?)c.GetTagItem("bitrix24.method") == "batch");
        // The save's whole story is one trace: the page request that carried it is its parent.
        Assert.Contains(spans, s => s.SpanId == save.ParentSpanId && s.Kind == ActivityKind.Server);
        Assert.All(calls, c => Assert.Equal(save.TraceId, c.TraceId));

        // No span carries a token: the OAuth server's app.info takes one in its query, which is left out.
        var secrets = await app.Control.IssuedTokensAsync();
        var tags = spans.SelectMany(s => s.TagObjects).Select(t => t.Value?.ToString() ?? "").ToList();
        Assert.Contains(spans, s => ((string?)s.GetTagItem("url.full"))?.Contains("app.info", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(tags, t => secrets.Any(secret => t.Contains(secret, StringComparison.Ordinal)));

        var saves = Assert.Single(metrics, m => m.Name == "calllists.saves");
        long saved = 0;
        foreach (var point in saves.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                if (tag.Key == "outcome" && (string?)tag.Value == "saved")
                {
                    saved += point.GetSumLong();
                }
            }
        }

        Assert.Equal(1, saved);
        Assert.Contains(metrics, m => m.Name == "bitrix24.requests");
        Assert.Contains(metrics, m => m.Name == "bitrix24.limiter.wait");
    }

    /// <summary>A copy taken without an enumerator (which throws when the exporter appends meanwhile); a slot being written reads as null.</summary>
    static List<Activity> Snapshot(List<Activity> exported) => exported.ToArray().Where(a => a is not null).ToList();

    [Fact]
    public void Without_an_endpoint_or_the_setting_no_telemetry_is_collected()
    {
        Assert.Null(app.Factory.Services.GetService<TracerProvider>());
        Assert.Null(app.Factory.Services.GetService<MeterProvider>());
        Assert.NotNull(app.Factory.Services.GetService<CallListMetrics>());
    }
}
