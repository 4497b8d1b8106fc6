<?php
$config = array();
$config['imap_host'] = 'ssl://dovecot:993'; // x
$config['imap_conn_options'] = ['ssl' => ['verify_peer' => false, "verify_peer_name" => false]];
# c
/* b */
