using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailbox.Hosting;

/// <summary>
/// Creates one registered <see cref="LoopGroup"/> when the host starts and stops it with <see cref="StopMode.Drain"/>
/// when the host stops: every loop still in the group drains, then its threads exit. The stop is given the time the host
/// allows (its cancellation token): if that runs out first, the host goes on while the group finishes on its own threads;
/// the report stays available on <see cref="LoopGroup.Completion"/>.
/// </summary>
internal sealed class LoopGroupHostedService(string name, IServiceProvider services) : IHostedService
{
    /// <summary>The group, once the host has started.</summary>
    private LoopGroup? _group;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _group = services.GetRequiredKeyedService<LoopGroup>(name);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_group is null)
        {
            return;
        }

        try
        {
            await _group.StopAsync(StopMode.Drain).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the host stops waiting; the group keeps draining.
        }
    }
}
