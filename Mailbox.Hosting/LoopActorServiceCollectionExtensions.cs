using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mailbox.Hosting;

/// <summary>Registers <see cref="LoopActor"/>s with a host.</summary>
public static class LoopActorServiceCollectionExtensions
{
    /// <summary>
    /// Registers a loop named <paramref name="name"/>: a keyed singleton (<c>GetRequiredKeyedService&lt;LoopActor&gt;(name)</c>
    /// or <c>[FromKeyedServices(name)]</c>) spawned when the host starts and stopped with <see cref="StopMode.Drain"/> when the
    /// host stops, within the host's shutdown timeout. Unless <paramref name="configure"/> says otherwise, the loop logs
    /// through the container's <see cref="ILoggerFactory"/> and reads the container's <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The loop's name and service key; unique per container.</param>
    /// <param name="configure">Adjusts the options (a <c>with</c> expression on the record), with the container at hand.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A loop with this name is already registered.</exception>
    public static IServiceCollection AddLoopActor(this IServiceCollection services, string name, Func<IServiceProvider, LoopOptions, LoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return services.AddLoop(name, configure, static (_, name, options) => LoopActor.Spawn(name, options));
    }

    /// <summary>Registers a loop named <paramref name="name"/>; see <see cref="AddLoopActor(IServiceCollection, string, Func{IServiceProvider, LoopOptions, LoopOptions}?)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The loop's name and service key.</param>
    /// <param name="configure">Adjusts the options, e.g. <c>o =&gt; o with { MailboxCapacity = 1000 }</c>.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddLoopActor(this IServiceCollection services, string name, Func<LoopOptions, LoopOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddLoopActor(name, (_, options) => configure(options));
    }

    /// <summary>
    /// Registers a loop as a keyed <see cref="LoopActor"/> singleton with a hosted service that stops it with
    /// <see cref="StopMode.Drain"/>; <paramref name="spawn"/> makes it from the container, its name and its options.
    /// Arguments are checked by the public callers.
    /// </summary>
    internal static IServiceCollection AddLoop(this IServiceCollection services, string name, Func<IServiceProvider, LoopOptions, LoopOptions>? configure, Func<IServiceProvider, string, LoopOptions, LoopActor> spawn)
    {
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(LoopActor) && name.Equals(d.ServiceKey)))
        {
            throw new InvalidOperationException($"A loop actor named '{name}' is already registered.");
        }

        services.AddKeyedSingleton(name, (provider, _) =>
        {
            var options = new LoopOptions
            {
                LoggerFactory = provider.GetService<ILoggerFactory>(),
                TimeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System,
            };
            return spawn(provider, name, configure is null ? options : configure(provider, options));
        });

        // A factory registration per loop: AddHostedService would fold every loop into one service.
        services.AddSingleton<IHostedService>(provider => new DrainingHostedService<LoopActor>(name, provider, static loop => loop.StopAsync(StopMode.Drain)));
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
