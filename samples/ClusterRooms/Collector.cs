using Akka.Actor;

namespace ClusterRooms;

/// <summary>Hands everything it receives (events it is subscribed to) to a callback.</summary>
internal sealed class Collector : ReceiveActor
{
    public Collector(Action<object> onEvent) => ReceiveAny(onEvent);
}
