# Every student's Jupyter server (jupyterhub_config.py puts this folder on JUPYTER_CONFIG_PATH;
# the Dockerfile copies this file to /etc/jupyter/): kernel websockets without Nagle's algorithm.
#
# tornado leaves Nagle on for websockets. A slider move makes the kernel send 4-5 messages
# (busy, the widgets' updates, idle); with Nagle each small write after the first waits for the
# browser's ACK of the one before, which Linux delays by up to 40 ms. Measured in chromium
# (benchmarks/browser_slider_profile.py, RESULTS.md "Browser: where a slider move's time goes"):
# from the end of the kernel's render to the image message in the page, 27-44 ms with Nagle,
# 11-18 ms without, at the same load.
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """The default kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.ServerApp.kernel_websocket_connection_class = NoDelayKernelConnection
