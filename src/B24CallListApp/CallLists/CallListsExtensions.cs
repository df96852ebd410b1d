using Microsoft.Extensions.Options;

namespace B24CallListApp.CallLists;

public static class CallListsExtensions
{
    public static IServiceCollection AddCallLists(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CallListOptions>().Bind(configuration.GetSection(CallListOptions.Section))
            .Validate(o => o.MaxParticipants is >= 1 and <= 1_000_000, "CallLists:MaxParticipants must be between 1 and 1000000.")
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<CrmSearch>();
        services.AddSingleton<SegmentReferences>();
        services.AddSingleton<ListReader>();
        services.AddSingleton<CallListReads>();
        services.AddSingleton<CallListSaver>();
        services.AddSingleton<CallListMetrics>();
        return services;
    }
}
