using Akka.Configuration;
using Akka.Dispatch;

namespace Mailbox.Akka;

/// <summary>
/// Makes a new <see cref="LoopDispatcher"/> for every actor that looks up <see cref="LoopActorProps.DispatcherId"/>,
/// as Akka's pinned dispatcher does for its threads: one loop per actor. Registered by <see cref="LoopActorProps.Install"/>.
/// </summary>
internal sealed class LoopDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : MessageDispatcherConfigurator(config, prerequisites)
{
    /// <inheritdoc/>
    public override MessageDispatcher Dispatcher() => new LoopDispatcher(this);
}
