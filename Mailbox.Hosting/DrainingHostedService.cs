using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailbox.Hosting;

/// <summary>
/// Starts one registered keyed service — a <see cref="LoopActor"/> or a <see cref="LoopGroup"/> — with the host and stops
/// it with <see cref="StopMode.Drain"/> when the host stops (a group: every loop still in it drains, then its threads
/// exit). The stop is given the time the host allows (its cancellation token): if that runs out first, the host goes on
/// while the loop or group finishes on its own threads; the report stays available on its <c>Completion</c>.
/// </summary>
/// <typeparam name="T">The keyed service.</typeparam>
internal sealed class DrainingHostedService<T>(string name, IServiceProvider services, Func<T, Task> drain) : IHostedService
    where T : notnull
{
    /// <summary>The loop or group, once the host has started.</summary>
    private T? _service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _service = services.GetRequiredKeyedService<T>(name);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_service is null)
        {
            return;
        }

        try
        {
            await drain(_service).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the host stops waiting; the loop or group keeps draining.
        }
    }
}
