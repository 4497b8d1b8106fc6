<?php
$config['default_host'] = "tls://dovecot";
$config['default_port'] = 143;
$config['imap_conn_options']['ssl']['verify_peer'] = false;
