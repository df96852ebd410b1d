using System.Net;
using B24CallListApp.Portals;
using TestSupport;

namespace B24CallListApp.Tests.Operations;

/// <summary>What reaches the app from the internet, through a load balancer: methods, budgets per client, health.</summary>
public sealed class FrontDoorTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("PATCH", "")]
    [InlineData("PUT", "lists/1")]
    [InlineData("DELETE", "install")]
    [InlineData("PATCH", "api/lists")]
    public async Task Methods_other_than_get_head_and_post_answer_405(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(app.AppUrl, path)) { Content = new StringContent("x") };
        using var response = await app.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD", "POST"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task A_flood_of_health_checks_is_answered_from_one_recent_report()
    {
        var healthz = new Uri(app.AppUrl, "healthz");
        await Health.WaitForAsync(app.Http, healthz, a => a.Status == 200);
        await Task.Delay(B24CallListApp.Operations.RecentHealth.MaxAge);
        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Health.GetAsync(app.Http, healthz)));

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        // Each distinct time is one run of the checks (one database query); 100 requests at once make one or two.
        Assert.InRange(answers.Select(a => (string)a.Body["checkedAt"]!).Distinct().Count(), 1, 2);
    }

    [Fact]
    public async Task Behind_a_known_proxy_each_client_address_has_its_own_budget_and_events_have_theirs()
    {
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["PortalPosts:PerAddressBurst"] = "3", ["PortalPosts:PerAddressPerSecond"] = "1" });
        var url = AppFixture.AddressOf(instance);

        // The proxy (loopback, known by default) forwards one client's opens until its budget is spent.
        var flood = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync(url, "", "203.0.113.7")));
        Assert.Contains(HttpStatusCode.TooManyRequests, flood);

        // Another client behind the same proxy, and the flooding client's install events, are not held back.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await PostAsync(url, "", "203.0.113.8"));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await PostAsync(url, "events", "203.0.113.7"));
    }

    [Fact]
    public async Task An_ipv6_client_is_budgeted_by_its_64_network()
    {
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["PortalPosts:PerAddressBurst"] = "3", ["PortalPosts:PerAddressPerSecond"] = "1" });
        var url = AppFixture.AddressOf(instance);

        // A host that takes a new address in its /64 for every request still spends one budget.
        var flood = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => PostAsync(url, "", $"2001:db8:1:2::{i:x}")));
        Assert.Contains(HttpStatusCode.TooManyRequests, flood);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await PostAsync(url, "", "2001:db8:1:3::1"));

        Assert.Equal(PortalsExtensions.ClientPartition(IPAddress.Parse("2001:db8:1:2::5")), PortalsExtensions.ClientPartition(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.Equal("198.51.100.4", PortalsExtensions.ClientPartition(IPAddress.Parse("::ffff:198.51.100.4")));
    }

    [Fact]
    public void A_known_network_that_is_not_one_stops_the_start_with_a_message_naming_the_key()
    {
        var error = Assert.ThrowsAny<Exception>(() => app.CreateApp(settings: new Dictionary<string, string?> { ["App:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/99" }));
        Assert.Contains("App:ForwardedHeaders:KnownNetworks", error.ToString(), StringComparison.Ordinal);
    }

    async Task<HttpStatusCode> PostAsync(Uri instance, string path, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(instance, path)) { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await app.Http.SendAsync(request);
        return response.StatusCode;
    }
}
