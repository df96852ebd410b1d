using System.Globalization;
using System.Text.RegularExpressions;
using B24CallListApp.Tests.CallLists;

namespace B24CallListApp.Tests.Operations;

/// <summary>An operator tells a slow portal from a slow app by the answer's Server-Timing header.</summary>
public sealed partial class ServerTimingTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_page_says_how_long_it_waited_for_the_portal_and_how_many_requests_it_sent()
    {
        var portal = await app.InstalledPortalAsync();
        var user = await WorkspaceClient.OpenAsync(app, portal, 1);
        await app.Control.FaultAsync(portal, new(Method: "batch", Mode: "hang", Count: 1, DelayMs: 400));
        var before = (await app.Control.RequestsAsync(portal)).Count(r => !r.InBatch);

        using var response = await app.Http.PostAsync(new Uri(app.AppUrl, "lists/1?LANG=en"), new FormUrlEncodedContent([new("__session", user.Session)]));

        Assert.Equal(200, (int)response.StatusCode);
        var header = string.Join(", ", response.Headers.GetValues("Server-Timing"));
        var timing = Timing().Match(header);
        Assert.True(timing.Success, header);
        var total = double.Parse(timing.Groups["app"].Value, CultureInfo.InvariantCulture);
        var portalTime = double.Parse(timing.Groups["portal"].Value, CultureInfo.InvariantCulture);
        var reported = int.Parse(timing.Groups["requests"].Value, CultureInfo.InvariantCulture);
        // The portal logs a call once its answer is written, which may be a moment after the app has read it.
        var log = await app.Control.WaitForRequestsAsync(portal, l => l.Count(r => !r.InBatch) - before >= reported);
        var sent = log.Count(r => !r.InBatch) - before;
        // The portal's 400 ms wait is a timer with millisecond ticks, which may fire a fraction of a millisecond before the
        // app's stopwatch has counted 400 (CI once read 399.5); the wait is the portal's either way, and the app's time holds it.
        Assert.InRange(portalTime, 398, total);
        Assert.Equal(sent, reported);
    }

    [GeneratedRegex("""app;dur=(?<app>[0-9.]+), portal;dur=(?<portal>[0-9.]+);desc="(?<requests>[0-9]+) requests"$""")]
    private static partial Regex Timing();
}
