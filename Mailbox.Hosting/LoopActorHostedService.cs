using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailbox.Hosting;

/// <summary>
/// Starts one registered loop with the host and stops it with <see cref="StopMode.Drain"/> when the host stops. The
/// stop is given the time the host allows (its cancellation token): if that runs out first, the host goes on while the
/// loop finishes on its own thread; the report stays available on <see cref="LoopActor.Completion"/>.
/// </summary>
internal sealed class LoopActorHostedService(string name, IServiceProvider services) : IHostedService
{
    /// <summary>The loop, once the host has started.</summary>
    private LoopActor? _loop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = services.GetRequiredKeyedService<LoopActor>(name);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }

        try
        {
            await _loop.StopAsync(StopMode.Drain).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the host stops waiting; the loop keeps draining.
        }
    }
}
