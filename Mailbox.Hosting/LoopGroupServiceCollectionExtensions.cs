using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailbox.Hosting;

/// <summary>Registers <see cref="LoopGroup"/>s, and loops that run on them, with a host.</summary>
/// <remarks>
/// Register a group before its loops. The host starts its hosted services in registration order and stops them in
/// reverse: the group is created first, its loops are spawned on it, and at shutdown each loop drains before the group
/// drains whatever it still holds and lets its threads exit.
/// </remarks>
public static class LoopGroupServiceCollectionExtensions
{
    /// <summary>
    /// Registers a loop group named <paramref name="name"/>: a keyed singleton
    /// (<c>GetRequiredKeyedService&lt;LoopGroup&gt;(name)</c> or <c>[FromKeyedServices(name)]</c>) created when the host
    /// starts and stopped with <see cref="StopMode.Drain"/> when the host stops, within the host's shutdown timeout (if
    /// that passes first, the host goes on and the group finishes on its own threads; its report stays on
    /// <see cref="LoopGroup.Completion"/>). Options that <see cref="LoopGroup.Create"/> refuses make the host's start
    /// fail with its exception.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The group's name and service key; unique per container among groups.</param>
    /// <param name="configure">Adjusts the options (a <c>with</c> expression on the record), with the container at hand.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A group with this name is already registered.</exception>
    public static IServiceCollection AddLoopGroup(this IServiceCollection services, string name, Func<IServiceProvider, LoopGroupOptions, LoopGroupOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (IsGroupRegistered(services, name))
        {
            throw new InvalidOperationException($"A loop group named '{name}' is already registered.");
        }

        services.AddKeyedSingleton(name, (provider, _) =>
        {
            var options = new LoopGroupOptions();
            return LoopGroup.Create(name, configure is null ? options : configure(provider, options));
        });

        // A factory registration per group: AddHostedService would fold every group into one service.
        services.AddSingleton<IHostedService>(provider => new DrainingHostedService<LoopGroup>(name, provider, static group => group.StopAsync(StopMode.Drain)));
        return services;
    }

    /// <summary>Registers a loop group named <paramref name="name"/>; see <see cref="AddLoopGroup(IServiceCollection, string, Func{IServiceProvider, LoopGroupOptions, LoopGroupOptions}?)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The group's name and service key.</param>
    /// <param name="configure">Adjusts the options, e.g. <c>o =&gt; o with { ThreadCount = 4 }</c>.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A group with this name is already registered.</exception>
    public static IServiceCollection AddLoopGroup(this IServiceCollection services, string name, Func<LoopGroupOptions, LoopGroupOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddLoopGroup(name, (_, options) => configure(options));
    }

    /// <summary>
    /// Registers a loop named <paramref name="name"/> that runs on the group <paramref name="groupName"/> (spawned with
    /// <see cref="LoopGroup.Spawn"/>, so it shares the group's threads instead of owning one). Otherwise it is what
    /// <see cref="LoopActorServiceCollectionExtensions.AddLoopActor(IServiceCollection, string, Func{IServiceProvider, LoopOptions, LoopOptions}?)"/>
    /// registers: a keyed <see cref="LoopActor"/> singleton, spawned when the host starts, stopped with
    /// <see cref="StopMode.Drain"/> when it stops, logging through the container's logger factory and reading its
    /// <see cref="TimeProvider"/> unless <paramref name="configure"/> says otherwise. Loop names are one key space:
    /// a grouped loop and a dedicated loop cannot share a name.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The loop's name and service key; unique per container among loops.</param>
    /// <param name="groupName">The group it runs on, registered before with <see cref="AddLoopGroup(IServiceCollection, string, Func{IServiceProvider, LoopGroupOptions, LoopGroupOptions}?)"/>.</param>
    /// <param name="configure">Adjusts the loop's options, with the container at hand.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/> or <paramref name="groupName"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="groupName"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A loop with this name is already registered, or no group named <paramref name="groupName"/> is registered yet.</exception>
    public static IServiceCollection AddGroupedLoopActor(this IServiceCollection services, string name, string groupName, Func<IServiceProvider, LoopOptions, LoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        if (!IsGroupRegistered(services, groupName))
        {
            throw new InvalidOperationException($"No loop group named '{groupName}' is registered; call {nameof(AddLoopGroup)}(\"{groupName}\") before registering its loops.");
        }

        return services.AddLoop(name, configure, (provider, loopName, options) => provider.GetRequiredKeyedService<LoopGroup>(groupName).Spawn(loopName, options));
    }

    /// <summary>Registers a loop named <paramref name="name"/> on the group <paramref name="groupName"/>; see <see cref="AddGroupedLoopActor(IServiceCollection, string, string, Func{IServiceProvider, LoopOptions, LoopOptions}?)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The loop's name and service key.</param>
    /// <param name="groupName">The group it runs on, registered before.</param>
    /// <param name="configure">Adjusts the loop's options, e.g. <c>o =&gt; o with { MailboxCapacity = 1000 }</c>.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/>, <paramref name="groupName"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="groupName"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A loop with this name is already registered, or no group named <paramref name="groupName"/> is registered yet.</exception>
    public static IServiceCollection AddGroupedLoopActor(this IServiceCollection services, string name, string groupName, Func<LoopOptions, LoopOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddGroupedLoopActor(name, groupName, (_, options) => configure(options));
    }

    /// <summary>Whether a keyed <see cref="LoopGroup"/> named <paramref name="name"/> is registered.</summary>
    private static bool IsGroupRegistered(IServiceCollection services, string name) =>
        services.Any(d => d.IsKeyedService && d.ServiceType == typeof(LoopGroup) && name.Equals(d.ServiceKey));
}
