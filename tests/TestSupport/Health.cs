using System.Text.Json.Nodes;

namespace TestSupport;

/// <summary><c>/healthz</c> as a load balancer reads it: it answers from a report up to a couple of seconds old.</summary>
public static class Health
{
    public static async Task<(int Status, JsonNode Body)> GetAsync(HttpClient http, Uri healthz)
    {
        using var response = await http.GetAsync(healthz);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>Asks until the answer is what <paramref name="expected"/> wants, for a few report ages at most; the last answer either way.</summary>
    public static async Task<(int Status, JsonNode Body)> WaitForAsync(HttpClient http, Uri healthz, Func<(int Status, JsonNode Body), bool> expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var answer = await GetAsync(http, healthz);
            if (expected(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(250);
        }
    }
}
